import { and, isNull, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import type {
  calendarEntries,
  calendars,
  calendarSlots,
  pages,
  products,
  ticketTypes,
} from '../../db/schema/index.ts';

// What every catalogue PUT answers (`PUT /v1/admin/…/{ref}`): created (201), replaced or
// found unchanged (200), or refused with the field at fault. Each runs in one transaction:
// nothing is half-written.

export interface Refused {
  kind: 'refused';
  status: 400 | 404 | 409;
  code: string;
  message: string;
  /** The input at fault, as `body.currency` or `path.pageRef`. */
  field?: string;
  extra?: Record<string, unknown>;
}

export type Upserted<View> = { kind: 'created' | 'replaced' | 'unchanged'; view: View } | Refused;

export const refused = (
  status: Refused['status'],
  code: string,
  message: string,
  field?: string,
  extra?: Record<string, unknown>,
): Refused => ({
  kind: 'refused',
  status,
  code,
  message,
  ...(field ? { field } : {}),
  ...(extra ? { extra } : {}),
});

/** True when every field of `wanted` is already so in `stored`: a repeat changes nothing. */
export function sameAs(stored: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).every(([key, value]) => stored[key] === value);
}

/** A price in another currency than its page takes: refused, naming the field. */
export function currencyRefusal(pageCurrency: string, currency: string): Refused | undefined {
  if (currency === pageCurrency) return undefined;
  return refused(
    400,
    'currency_not_taken',
    `The page takes ${pageCurrency || 'no currency yet'}.`,
    'body.currency',
  );
}

/**
 * The one shape of every catalogue PUT once its checks pass: insert when there is no row,
 * nothing when the row is already so, else update; then the view as stored.
 */
export async function upserted<View>(
  existing: unknown,
  same: boolean,
  write: { insert: () => Promise<unknown>; update: () => Promise<unknown> },
  view: () => Promise<View | undefined>,
): Promise<Upserted<View>> {
  const kind = existing === undefined ? 'created' : same ? 'unchanged' : 'replaced';
  if (kind === 'created') await write.insert();
  if (kind === 'replaced') await write.update();
  return { kind, view: (await view())! };
}

type Retirable =
  | typeof pages
  | typeof products
  | typeof calendars
  | typeof calendarSlots
  | typeof calendarEntries
  | typeof ticketTypes;

/** DELETE: retires the row `match` names, once (a second DELETE changes nothing). */
export async function retireRow(db: Executor, table: Retirable, match: SQL | undefined) {
  const now = new Date();
  await db
    .update(table as typeof pages)
    .set({ retiredAt: now, updatedAt: now })
    .where(and(match, isNull(table.retiredAt)));
}
