import { z } from 'zod';
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

const schema = z.object({
  DATABASE_URL: z.url({ error: 'DATABASE_URL must be a postgres:// URL' }),
  CREDENTIALS_KEYS: credentialsKeysSetting,
});

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
        await recordAdminAction(db, {
          actor: 'ops',
          action: 'ops tickets check-in',
          request: { code: command.code, entryId: command.entryId ?? null },
          status: answer.status,
          answer: answer.body,
        });
        if (answer.status !== 200) {
          writeLine(process.stderr, answer.body);
          return 1;
        }
        emit(answer.body);
        break;
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
