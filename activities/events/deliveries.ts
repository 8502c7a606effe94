import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';

// What ops read and redo of deliveries (`npm run ops -- events …`).

/**
 * Deliveries that have not gone through: failing (retrying on schedule) or waiting for a
 * disabled subscriber, with their last answer. Oldest first.
 */
export async function failedDeliveries(db: Database, limit: number) {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    SELECT d.id AS "deliveryId", d.event_id AS "eventId", ev.type, d.order_id AS "orderId",
      d.attempts, d.last_status AS "lastStatus", d.last_error AS "lastError",
      d.next_attempt_at AS "nextAttemptAt", ev.created_at AS "eventAt",
      json_build_object('id', s.id, 'url', s.url, 'state', s.state,
        'disabledReason', s.disabled_reason) AS subscriber
    FROM event_deliveries d
    JOIN outbox_events ev ON ev.id = d.event_id
    JOIN event_subscribers s ON s.id = d.subscriber_id
    WHERE d.state = 'pending' AND (d.attempts > 0 OR s.state = 'disabled')
    ORDER BY d.event_id, d.id
    LIMIT ${limit}`);
  return rows;
}

/**
 * Sends events again: every delivery of them due now (a delivered one goes again, with the
 * same webhook-id; one being sent is left to finish), and a delivery made for each
 * subscriber that wants them and has none (one added since). Answers how many are due.
 */
export async function replayEvents(db: Database, which: { id: number } | { since: Date }) {
  const events =
    'id' in which ? sql`ev.id = ${which.id}` : sql`ev.created_at >= ${which.since.toISOString()}`;
  return db.transaction(async (tx) => {
    const again = await tx.execute(sql`
      UPDATE event_deliveries d SET state = 'pending', next_attempt_at = now(), attempts = 0
      FROM outbox_events ev
      WHERE ev.id = d.event_id AND ${events}
        AND (d.leased_until IS NULL OR d.leased_until < now())`);
    const made = await tx.execute(sql`
      INSERT INTO event_deliveries (event_id, subscriber_id, order_id)
      SELECT ev.id, s.id, ev.order_id FROM outbox_events ev
      JOIN event_subscribers s ON s.event_types = '{}' OR ev.type = ANY (s.event_types)
      WHERE ${events}
      ON CONFLICT (event_id, subscriber_id) DO NOTHING`);
    return { replayed: (made.rowCount ?? 0) + (again.rowCount ?? 0) };
  });
}
