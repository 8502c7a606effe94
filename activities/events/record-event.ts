import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { outboxEvents } from '../../db/schema/index.ts';

export interface DomainEvent {
  /** Dotted name, e.g. `order.paid`. */
  type: string;
  /** The fact's identity: recording the same key again records nothing new. */
  key: string;
  orderId?: number;
  payload: Record<string, unknown>;
}

export interface RecordedEvent {
  id: number;
  /** False when the event was already there (a retried activity). */
  created: boolean;
}

/**
 * Writes a domain event to the outbox, once per key, with a delivery for each subscriber that
 * wants it. Given a transaction, the event commits or rolls back with the state change it
 * describes.
 */
export async function recordEvent(db: Executor, event: DomainEvent): Promise<RecordedEvent> {
  const inserted = await db
    .insert(outboxEvents)
    .values({
      type: event.type,
      key: event.key,
      orderId: event.orderId ?? null,
      payload: event.payload,
    })
    .onConflictDoNothing({ target: outboxEvents.key })
    .returning({ id: outboxEvents.id });
  if (inserted[0]) {
    // Each subscriber that wants it gets its delivery in the same transaction: no event
    // written is ever missing from the relay's queue (activities/events/relay.ts). A disabled
    // subscriber's wait for it, until ops enable it again.
    await db.execute(sql`
      INSERT INTO event_deliveries (event_id, subscriber_id, order_id)
      SELECT ${inserted[0].id}, s.id, ${event.orderId ?? null}::integer
      FROM event_subscribers s
      WHERE s.event_types = '{}' OR ${event.type} = ANY (s.event_types)`);
    return { id: inserted[0].id, created: true };
  }

  const [existing] = await db
    .select({ id: outboxEvents.id })
    .from(outboxEvents)
    .where(eq(outboxEvents.key, event.key));
  if (!existing) throw new Error(`outbox event ${event.key} vanished after a key conflict`);
  return { id: existing.id, created: false };
}
