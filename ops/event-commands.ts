import { IDEMPOTENCY_KEY_FORMAT } from '../db/queries/idempotency.ts';
import type { RefundRequest } from '../workflows/order-messages.ts';
import { parseCommandLine, UsageError } from './usage.ts';

// `npm run ops -- subscribers …` and `events …`: what ops do about events leaving the
// building. These need PostgreSQL (DATABASE_URL), not Temporal.

export type EventCommand =
  | { name: 'subscribers add'; url: string; events: string[] }
  | { name: 'subscribers list' }
  | { name: 'subscribers remove' | 'subscribers enable'; id: number }
  | { name: 'subscribers rotate'; id: number; overlapHours: number }
  | { name: 'events failed'; limit: number }
  | { name: 'events replay'; id?: number; since?: Date }
  | { name: 'tickets check-in'; code: string; entryId?: number }
  | ({ name: 'orders refund' | 'orders cancel'; orderId: number; request: RefundRequest } & Keyed)
  | { name: 'bookings accept'; entryId: number }
  | ({ name: 'bookings decline'; entryId: number; reason: string } & Keyed)
  | { name: 'refunds owed'; limit: number }
  | { name: 'refunds handled'; id: number };

/**
 * A refund's command retried: `--idempotency-key` as an earlier run printed it. Absent, the
 * run makes a new key (ops/with-database.ts).
 */
interface Keyed {
  idempotencyKey?: string;
}

/** The commands that refund, each under an idempotency key of its own run or retried. */
const keyedCommands: readonly string[] = ['orders refund', 'orders cancel', 'bookings decline'];

/** The commands that work on PostgreSQL rather than Temporal. */
export const eventCommandGroups = [
  'subscribers',
  'events',
  'tickets',
  'orders',
  'bookings',
  'refunds',
];

const number = (option: string, value: string | undefined): number => {
  if (value === undefined || !/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > 2_147_483_647) {
    throw new UsageError(`${option} needs a whole number up to 2147483647, as 42`);
  }
  return Number(value);
};

export function parseEventCommand(argv: string[]): EventCommand {
  const { values, positionals } = parseCommandLine(argv, {
    url: { type: 'string' },
    events: { type: 'string' },
    id: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    'overlap-hours': { type: 'string' },
    code: { type: 'string' },
    entry: { type: 'string' },
    order: { type: 'string' },
    item: { type: 'string', multiple: true },
    amount: { type: 'string' },
    reason: { type: 'string' },
    force: { type: 'boolean' },
    'idempotency-key': { type: 'string' },
  });
  const retried = values['idempotency-key'];
  if (retried !== undefined && !IDEMPOTENCY_KEY_FORMAT.test(retried)) {
    throw new UsageError('--idempotency-key needs 1 to 255 visible ASCII characters');
  }
  /** The key to retry with, for the commands that refund. */
  const keyed = (): Keyed => (retried === undefined ? {} : { idempotencyKey: retried });
  const reason = () => {
    if (!values.reason?.trim()) throw new UsageError(`${name} needs --reason <why>`);
    return values.reason.trim();
  };
  const [group, action, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra.join(' ')}`);
  const name = `${group} ${action ?? ''}`.trim();
  if (retried !== undefined && !keyedCommands.includes(name)) {
    throw new UsageError(`${name} takes no --idempotency-key`);
  }
  switch (name) {
    case 'subscribers add':
      if (!values.url) throw new UsageError('subscribers add needs --url <url>');
      return {
        name,
        url: values.url,
        events: (values.events ?? '')
          .split(',')
          .map((type) => type.trim())
          .filter(Boolean),
      };
    case 'subscribers list':
      return { name };
    case 'subscribers remove':
    case 'subscribers enable':
      return { name, id: number('--id', values.id) };
    case 'subscribers rotate':
      return {
        name,
        id: number('--id', values.id),
        overlapHours:
          values['overlap-hours'] === undefined
            ? 24
            : number('--overlap-hours', values['overlap-hours']),
      };
    case 'events failed':
    case 'refunds owed':
      return { name, limit: values.limit === undefined ? 100 : number('--limit', values.limit) };
    case 'refunds handled':
      return { name, id: number('--id', values.id) };
    case 'events replay': {
      if ((values.id === undefined) === (values.since === undefined)) {
        throw new UsageError('events replay needs --id <event id> or --since <ISO time>');
      }
      if (values.id !== undefined) return { name, id: number('--id', values.id) };
      const since = new Date(values.since!);
      if (Number.isNaN(since.getTime())) {
        throw new UsageError('--since needs an ISO 8601 time, as 2026-11-29T09:00:00Z');
      }
      return { name, since };
    }
    case 'tickets check-in':
      if (!values.code) throw new UsageError('tickets check-in needs --code <ticket code>');
      return {
        name,
        code: values.code,
        ...(values.entry === undefined ? {} : { entryId: number('--entry', values.entry) }),
      };
    case 'orders refund': {
      const orderId = number('--order', values.order);
      if ((values.item === undefined) === (values.amount === undefined)) {
        throw new UsageError(
          'orders refund needs --item <itemId[:quantity]>… or --amount <minor units>',
        );
      }
      if (values.amount !== undefined) {
        return {
          name,
          orderId,
          request: {
            kind: 'amount',
            amountMinor: number('--amount', values.amount),
            reason: reason(),
          },
          ...keyed(),
        };
      }
      const lines = values.item!.map((item) => {
        const [itemId, quantity] = item.split(':');
        return {
          itemId: number('--item', itemId),
          ...(quantity === undefined ? {} : { quantity: number('--item …:quantity', quantity) }),
        };
      });
      return {
        name,
        orderId,
        request: {
          kind: 'lines',
          lines,
          reason: reason(),
          ...(values.force ? { force: true } : {}),
        },
        ...keyed(),
      };
    }
    case 'orders cancel':
      return {
        name,
        orderId: number('--order', values.order),
        request: { kind: 'cancel', reason: reason(), ...(values.force ? { force: true } : {}) },
        ...keyed(),
      };
    case 'bookings accept':
      return { name, entryId: number('--entry', values.entry) };
    case 'bookings decline':
      return { name, entryId: number('--entry', values.entry), reason: reason(), ...keyed() };
    default:
      throw new UsageError(`unknown command: ${name}`);
  }
}
