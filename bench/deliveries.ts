import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';

/**
 * Once no delivery of an event written since `since` is pending (or a minute has passed):
 * how many are still pending and delivered, and the lag from each event written to its
 * delivery, p50 and p99 in ms.
 */
export async function settledDeliveries(db: Database, since = new Date(0)) {
  const figures = async () =>
    (
      await db.execute<{ pending: number; delivered: number; p50: number; p99: number }>(sql`
        SELECT count(*) FILTER (WHERE d.state = 'pending')::int AS pending,
          count(*) FILTER (WHERE d.state = 'delivered')::int AS delivered,
          round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - e.created_at) * 1000))::int AS p50,
          round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - e.created_at) * 1000))::int AS p99
        FROM event_deliveries d JOIN outbox_events e ON e.id = d.event_id
        WHERE e.created_at >= ${since.toISOString()}`)
    ).rows[0]!;
  const deadline = Date.now() + 60_000;
  let now = await figures();
  while (now.pending > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    now = await figures();
  }
  return now;
}
