import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { acceptBooking, bookingOrderId } from '../activities/calendar/bookings.ts';
import { checkoutDataConverter } from '../temporal/data-converter.ts';
import { askOrder } from '../temporal/order-actions.ts';
import type { RefundAnswer, RefundRequest } from '../workflows/order-messages.ts';
import { DEFAULT_TASK_QUEUE } from '../workflows/shared.ts';
import { readEnv } from '../config/read-env.ts';
import { connectDatabase } from '../db/client.ts';
import { credentialsKeysSetting, parseCredentialsKeys } from '../db/sealed.ts';
import { failedDeliveries, replayEvents } from '../activities/events/deliveries.ts';
import {
  addSubscriber,
  enableSubscriber,
  listSubscribers,
  removeSubscriber,
  rotateSecret,
  SubscriberError,
} from '../activities/events/subscribers.ts';
import type { EventCommand } from './event-commands.ts';
import { checkInTicket } from '../activities/calendar/check-in.ts';
import { recordAdminAction } from '../db/queries/admin-audit.ts';
import {
  claimIdempotencyKey,
  keepAnswer,
  releaseKey,
  requestFingerprint,
} from '../db/queries/idempotency.ts';
import { markAdminRefundHandled, owedRefunds } from '../activities/orders/mark-refund-handled.ts';

const schema = z.object({
  DATABASE_URL: z.url({ error: 'DATABASE_URL must be a postgres:// URL' }),
  CREDENTIALS_KEYS: credentialsKeysSetting,
  // Refunds go through the order's workflow.
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
});

/** A Temporal client for the one command that needs it, closed after. */
async function withClient<T>(
  config: z.infer<typeof schema>,
  use: (client: Client, taskQueue: string) => Promise<T>,
): Promise<T> {
  const connection = await Connection.connect({
    address: config.TEMPORAL_ADDRESS,
    connectTimeout: '5s',
  });
  try {
    const client = new Client({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: checkoutDataConverter(),
    });
    return await use(client, config.TEMPORAL_TASK_QUEUE);
  } finally {
    await connection.close();
  }
}

/** Why an ops command was not done, as it prints on stderr. */
interface Problem {
  kind: 'problem';
  error: string;
  message: string;
}

const writeLine = (stream: NodeJS.WriteStream, value: unknown) =>
  stream.write(`${JSON.stringify(value)}\n`);

/** Runs an events command against PostgreSQL, one JSON line per result. Answers the exit code. */
export async function runWithDatabase(command: EventCommand): Promise<number> {
  let config;
  try {
    config = readEnv(schema, process.env, 'ops');
  } catch (error) {
    writeLine(process.stderr, {
      error: 'invalid_configuration',
      message: (error as Error).message,
    });
    return 1;
  }
  const ring = parseCredentialsKeys(config.CREDENTIALS_KEYS);
  const database = connectDatabase(config.DATABASE_URL, { max: 1, applicationName: 'rose-ops' });
  const emit = (value: unknown) => writeLine(process.stdout, value);
  const { db } = database;
  /**
   * An admin action done as `ops`: on the admin audit as the API puts it, then printed, on
   * stdout when done and on stderr (exit 1) when refused. `printed` defaults to the answer.
   */
  const audited = async (
    request: unknown,
    status: number,
    answer: unknown,
    printed: unknown = answer,
  ): Promise<number> => {
    await recordAdminAction(db, {
      actor: 'ops',
      action: `ops ${command.name}`,
      request,
      status,
      answer,
    });
    if (status >= 300) {
      writeLine(process.stderr, printed);
      return 1;
    }
    emit(printed);
    return 0;
  };
  /**
   * An admin's refund, cancel or decline, under an idempotency key by the rule the admin API
   * keeps (db/queries/idempotency.ts), owned by `ops`: a new key for each run unless
   * `--idempotency-key` retries one, printed with the answer (and with a failure) so that a
   * person can retry. The same key with the same command answers what it first did and
   * changes nothing; with another command it is refused.
   */
  const refundOnce = async (
    command: Extract<
      EventCommand,
      { name: 'orders refund' | 'orders cancel' | 'bookings decline' }
    >,
  ): Promise<number> => {
    const { idempotencyKey = randomUUID(), ...asked } = command;
    const mine = { owner: 'ops', key: idempotencyKey };
    const request =
      asked.name === 'bookings decline'
        ? { entryId: asked.entryId, reason: asked.reason }
        : { orderId: asked.orderId, request: asked.request };
    /** What is printed for an answer: the refund, or why not; with the key either way. */
    const printedOf = (answer: RefundAnswer | Problem) => {
      if (answer.kind === 'recorded' || answer.kind === 'nothing_owed') {
        return { ...answer, idempotencyKey };
      }
      if (answer.kind === 'refused') return { error: answer.code, ...answer, idempotencyKey };
      return { error: answer.error, message: answer.message, idempotencyKey };
    };
    const claim = await claimIdempotencyKey(db, {
      ...mine,
      fingerprint: requestFingerprint(`ops ${asked.name}`, request),
    });
    if (claim.kind === 'reused' || claim.kind === 'in_flight') {
      const problem: Problem =
        claim.kind === 'reused'
          ? {
              kind: 'problem',
              error: 'idempotency_key_reused',
              message: 'This idempotency key was used for another command.',
            }
          : {
              kind: 'problem',
              error: 'idempotency_key_in_flight',
              message: 'A command with this idempotency key is still being answered.',
            };
      const status = claim.kind === 'reused' ? 422 : 409;
      return await audited(request, status, problem, printedOf(problem));
    }
    if (claim.kind === 'replay') {
      const { status, body } = claim.answer;
      const answer = JSON.parse(body!) as RefundAnswer | Problem;
      // On the audit too, told apart from the action it repeats, as the admin API does.
      return await audited({ ...request, replayed: true }, status, answer, {
        ...printedOf(answer),
        replayed: true,
      });
    }
    let status: number;
    let answer: RefundAnswer | Problem;
    try {
      const orderId =
        asked.name === 'bookings decline' ? await bookingOrderId(db, asked.entryId) : asked.orderId;
      const refund: RefundRequest =
        asked.name === 'bookings decline'
          ? { kind: 'decline', entryId: asked.entryId, reason: asked.reason }
          : asked.request;
      if (orderId === undefined) {
        // As the API answers it, and without starting a workflow for no order.
        answer = {
          kind: 'problem',
          error: 'booking_not_found',
          message: 'No booking of an order has that id.',
        };
        status = 404;
      } else {
        answer = await withClient(config, (client, taskQueue) =>
          askOrder(client, taskQueue, {
            orderId,
            request: refund,
            actor: 'ops',
            // The refund row's own key (`admin:ops:<key>`) makes a retry the same refund
            // even if the key's kept answer is gone.
            requestId: `${mine.owner}:${idempotencyKey}`,
          }),
        );
        // As the API answers: 202 a refund to send, 200 done with nothing owed.
        status =
          answer.kind === 'recorded' ? 202 : answer.kind === 'nothing_owed' ? 200 : answer.status;
      }
      await keepAnswer(db, mine, {
        status,
        contentType: 'application/json',
        body: JSON.stringify(answer),
      });
    } catch (error) {
      // Not done, or not known to be: the key is free for a retry, which is printed.
      await releaseKey(db, mine).catch(() => undefined);
      writeLine(process.stderr, {
        error: 'unexpected',
        message: (error as Error).message,
        idempotencyKey,
      });
      return 1;
    }
    return await audited(request, status, answer, printedOf(answer));
  };
  try {
    switch (command.name) {
      case 'subscribers add':
        emit(await addSubscriber(db, ring, { url: command.url, events: command.events }));
        break;
      case 'subscribers list':
        (await listSubscribers(db)).forEach(emit);
        break;
      case 'subscribers remove':
        emit(await removeSubscriber(db, command.id));
        break;
      case 'subscribers enable':
        emit(await enableSubscriber(db, command.id));
        break;
      case 'subscribers rotate':
        emit(await rotateSecret(db, ring, command.id, command.overlapHours * 3_600_000));
        break;
      case 'events failed':
        (await failedDeliveries(db, command.limit)).forEach(emit);
        break;
      case 'refunds owed':
        (await owedRefunds(db, command.limit)).forEach(emit);
        break;
      case 'refunds handled': {
        const handled = await markAdminRefundHandled(db, command.id);
        return await audited(
          { refundId: command.id },
          handled.kind === 'handled' ? 200 : handled.kind === 'not_found' ? 404 : 409,
          handled,
          handled.kind === 'handled'
            ? handled
            : {
                error: `refund_${handled.kind}`,
                ...handled,
                ...(handled.kind === 'owed_by_checkout'
                  ? {
                      message: `The checkout waits for it: refund-handled --order ${handled.orderId}`,
                    }
                  : {}),
              },
        );
      }
      case 'tickets check-in': {
        // As the admin API does it, and on the same audit record, as `ops`.
        const done = await checkInTicket(db, command.code, command.entryId);
        const answer = !done
          ? {
              status: 404,
              body: { error: 'ticket_not_found', message: 'No ticket has that code.' },
            }
          : done.outcome.kind === 'other_entry' || done.outcome.kind === 'not_confirmed'
            ? { status: 409, body: { error: `ticket_${done.outcome.kind}`, ...done.outcome } }
            : {
                status: 200,
                body: {
                  ticketId: done.ticket.id,
                  entryId: done.ticket.entryId,
                  checkedInAt: done.outcome.at.toISOString(),
                  alreadyCheckedIn: done.outcome.kind === 'already_checked_in',
                },
              };
        return await audited(
          { code: command.code, entryId: command.entryId ?? null },
          answer.status,
          answer.body,
        );
      }
      case 'orders refund':
      case 'orders cancel':
      case 'bookings decline':
        return await refundOnce(command);
      case 'bookings accept': {
        const accepted = await acceptBooking(db, command.entryId);
        return await audited(
          { entryId: command.entryId },
          accepted.kind === 'accepted' ? 200 : accepted.kind === 'not_found' ? 404 : 409,
          accepted,
          accepted.kind === 'accepted'
            ? { entryId: command.entryId, state: 'confirmed' }
            : { error: `booking_${accepted.kind}`, ...accepted },
        );
      }
      case 'events replay':
        emit(
          await replayEvents(
            db,
            command.id !== undefined ? { id: command.id } : { since: command.since! },
          ),
        );
        break;
    }
    return 0;
  } catch (error) {
    writeLine(process.stderr, {
      error: error instanceof SubscriberError ? 'refused' : 'unexpected',
      message: (error as Error).message,
    });
    return 1;
  } finally {
    await database.close();
  }
}
