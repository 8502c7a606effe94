import { sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import type { LineProblem, Shopper } from '../../workflows/checkout-types.ts';
import { seatHoldingTicketStates } from '../schema/index.ts';

/**
 * The shopper's tickets in the cart (in scope) that no seat is left for: in each seat group
 * (an entry's ticket type, or its untyped tickets), those beyond what is left, in the order
 * claiming takes them. One query, the seats counted on `tickets_seats_idx`, and no lock: the
 * API asks it before starting a checkout, so that a shopper who cannot get a seat in a rush
 * costs a query rather than a workflow. The workflow's claim, under locks, still decides.
 */
export async function ticketsWithoutSeats(
  db: Executor,
  shopper: Shopper,
  scope: { pageId: number | null },
): Promise<LineProblem[]> {
  // Tickets need a signed-in shopper; a session has none in its cart.
  if (shopper.userId === undefined) return [];
  const holding = sql.raw(seatHoldingTicketStates.map((s) => `'${s}'`).join(', '));
  const { rows } = await db.execute<{ id: number; title: string }>(sql`
    WITH wanted AS (
      SELECT t.id, t.entry_id, t.ticket_type_id,
             CASE WHEN tt.id IS NULL THEN e.name ELSE e.name || ': ' || tt.name END AS title,
             CASE WHEN tt.id IS NULL THEN e.ticket_capacity ELSE tt.capacity END AS capacity,
             row_number() OVER (PARTITION BY t.entry_id, t.ticket_type_id ORDER BY t.id) AS nth
        FROM tickets t
        JOIN calendar_entries e ON e.id = t.entry_id
        JOIN calendars c ON c.id = e.calendar_id
        LEFT JOIN ticket_types tt ON tt.id = t.ticket_type_id
       WHERE t.user_id = ${shopper.userId} AND t.state = 'pending'
         AND (${scope.pageId}::int IS NULL OR c.page_id = ${scope.pageId}::int)
    ),
    -- Each seat group counted once, however many of its tickets the shopper wants.
    seats_left AS (
      SELECT g.entry_id, g.ticket_type_id,
             g.capacity - (
               SELECT count(*) FROM tickets h
                WHERE h.entry_id = g.entry_id
                  AND (h.ticket_type_id = g.ticket_type_id
                       OR (h.ticket_type_id IS NULL AND g.ticket_type_id IS NULL))
                  AND h.state IN (${holding})) AS n
        FROM (SELECT DISTINCT entry_id, ticket_type_id, capacity
                FROM wanted WHERE capacity IS NOT NULL) g
    )
    SELECT w.id, w.title
      FROM wanted w
      JOIN seats_left l ON l.entry_id = w.entry_id
                       AND l.ticket_type_id IS NOT DISTINCT FROM w.ticket_type_id
     WHERE w.nth > l.n
     ORDER BY w.id`);
  return rows.map((row) => ({
    kind: 'ticket' as const,
    id: Number(row.id),
    title: row.title,
    reason: 'sold_out' as const,
  }));
}
