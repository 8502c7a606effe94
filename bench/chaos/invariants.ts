import { readFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { settledDeliveries } from '../deliveries.ts';
import { orders, refunds } from '../../db/schema/index.ts';

/** A SumUp checkout as the emulator's records hold it (`GET /_emulator/checkouts`). */
export interface SumupRecord {
  id: string;
  status: string;
  amount_minor: number;
  transactions: { id: string; status: string; amount_minor: number; refunds_minor: number[] }[];
}

/** States a checkout may rest in after a run has settled: each waits for a person. */
export const WAITING_FOR_OPS = ['needs_attention', 'refund_due'];

/**
 * The money invariant, checked from our database and from SumUp's own records, once a run
 * has settled. Every violation is a sentence naming the order or checkout; none is the goal.
 */
export async function moneyViolations(
  db: Database,
  sumup: SumupRecord[],
  temporal: Client,
  taskQueue: string,
): Promise<string[]> {
  const violations: string[] = [];
  const orderRows = await db.select().from(orders);
  const refundRows = await db.select().from(refunds);
  const bySumupId = new Map(orderRows.map((o) => [o.sumupCheckoutId, o]));
  const paidAtSumup = new Set<string>();

  for (const checkout of sumup) {
    const taken = checkout.transactions.filter(
      (t) => t.status === 'SUCCESSFUL' || t.status === 'REFUNDED',
    );
    if (taken.length === 0) continue;
    paidAtSumup.add(checkout.id);
    const order = bySumupId.get(checkout.id);
    if (!order) {
      violations.push(`SumUp checkout ${checkout.id} was paid, and no order names it`);
      continue;
    }
    const paid = taken.reduce((sum, t) => sum + t.amount_minor, 0);
    const refundedAtSumup = taken.flatMap((t) => t.refunds_minor).reduce((a, b) => a + b, 0);
    const ours = refundRows.filter((r) => r.orderId === order.id);
    const issued = ours.filter((r) => r.status === 'issued').reduce((a, r) => a + r.amountMinor, 0);
    const owed = ours
      .filter((r) => r.status === 'due' || r.status === 'failed')
      .reduce((a, r) => a + r.amountMinor, 0);
    if (refundedAtSumup !== issued) {
      violations.push(
        `order ${order.id}: SumUp refunded ${refundedAtSumup}, our issued refunds say ${issued}`,
      );
    }
    if (order.status === 'paid') {
      if (order.totalMinor !== paid) {
        violations.push(`order ${order.id}: confirmed at ${order.totalMinor}, SumUp took ${paid}`);
      }
    } else if (refundedAtSumup + owed !== paid) {
      violations.push(
        `order ${order.id} (${order.status}): SumUp took ${paid}, refunded ${refundedAtSumup} and ${owed} is owed`,
      );
    }
  }
  for (const order of orderRows) {
    if (order.status === 'paid' && !paidAtSumup.has(order.sumupCheckoutId ?? '')) {
      violations.push(`order ${order.id} is confirmed, and SumUp holds no payment for it`);
    }
    if (order.status === 'pending') violations.push(`order ${order.id} is still pending`);
  }

  const oversold = await db.execute<{ id: number; capacity: number; sold: number }>(sql`
    SELECT tt.id, tt.capacity, count(t.id)::int AS sold
    FROM ticket_types tt
    JOIN tickets t ON t.ticket_type_id = tt.id AND t.state IN ('reserved', 'confirmed', 'checked_in')
    GROUP BY tt.id, tt.capacity
    HAVING count(t.id) > tt.capacity`);
  for (const row of oversold.rows) {
    violations.push(`ticket type ${row.id}: ${row.sold} sold of ${row.capacity} seats`);
  }

  const list = async (query: string) => {
    const found: string[] = [];
    for await (const w of temporal.workflow.list({
      query: `TaskQueue = "${taskQueue}" AND ${query}`,
    })) {
      found.push(`${w.workflowId} (${String(w.searchAttributes.CheckoutStatus ?? w.status.name)})`);
    }
    return found;
  };
  for (const ended of await list(
    'ExecutionStatus IN ("Failed", "Terminated", "TimedOut", "Canceled")',
  )) {
    violations.push(`workflow ${ended} did not complete`);
  }
  const waiting = WAITING_FOR_OPS.map((state) => `"${state}"`).join(', ');
  for (const running of await list(
    `ExecutionStatus = "Running" AND WorkflowType IN ("checkout", "reconcileLatePayment") AND CheckoutStatus NOT IN (${waiting})`,
  )) {
    violations.push(`workflow ${running} is still running past its deadline`);
  }
  return violations;
}

/**
 * No event lost: once the relay has nothing left to send (or a minute has passed), every
 * event in the outbox reached the stack's subscriber, signed (its log is `subscriberLog`).
 */
export async function eventViolations(
  db: Database,
  subscriberLog: string,
): Promise<{ events: number; violations: string[] }> {
  await settledDeliveries(db);
  const logged = (await readFile(subscriberLog, 'utf8'))
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string; id?: string; error?: string });
  const received = new Set(logged.filter((l) => l.msg === 'event').map((l) => l.id));
  const { rows } = await db.execute<{ id: number; type: string }>(
    sql`SELECT id, type FROM outbox_events ORDER BY id`,
  );
  const violations = [
    ...rows
      .filter((event) => !received.has(`evt_${event.id}`))
      .map((event) => `event ${event.id} (${event.type}) never reached the subscriber`),
    ...logged
      .filter((l) => l.msg === 'refused')
      .map((l) => `the subscriber refused a delivery: ${l.error}`),
  ];
  return { events: rows.length, violations };
}
