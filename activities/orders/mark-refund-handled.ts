import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.ts';
import { orders, refunds } from '../../db/schema/index.ts';
import { recordOrderEvent } from '../events/order-events.ts';
import { refundData } from '../events/refund-data.ts';

/** Refunds still owed: not yet at SumUp, nor handled by hand. */
const OWED = ['due', 'failed'] as const;

/** The order is refunded once none of its refunds is still owed. */
export async function settleOrderRefundState(tx: Executor, orderId: number) {
  const [owed] = await tx
    .select({ id: refunds.id })
    .from(refunds)
    .where(and(eq(refunds.orderId, orderId), inArray(refunds.status, [...OWED])));
  if (!owed) await tx.update(orders).set({ refundState: 'refunded' }).where(eq(orders.id, orderId));
}

/** Ops settled the refund outside rose-checkout: record it, and close the order's refund. */
export function markRefundHandled(db: Database, refundId: number): Promise<void> {
  return db.transaction(async (tx) => {
    const [refund] = await tx.select().from(refunds).where(eq(refunds.id, refundId)).for('update');
    if (!refund) throw new Error(`refund ${refundId} does not exist`);
    await tx
      .update(refunds)
      .set({ status: 'handled', handledAt: new Date() })
      .where(and(eq(refunds.id, refundId), inArray(refunds.status, [...OWED])));
    await settleOrderRefundState(tx, refund.orderId);
    await recordOrderEvent(
      tx,
      'order.refunded',
      refund.orderId,
      `order.refunded:${refund.orderId}:${refundId}`,
      { refund: { ...refundData(refund), by: 'ops' } },
    );
  });
}

/** Refunds owed, oldest first: what `npm run ops -- refunds owed` shows. */
export async function owedRefunds(db: Database, limit: number) {
  const rows = await db
    .select()
    .from(refunds)
    .where(inArray(refunds.status, [...OWED]))
    .orderBy(asc(refunds.createdAt), asc(refunds.id))
    .limit(limit);
  return rows.map((r) => ({
    refundId: r.id,
    orderId: r.orderId,
    status: r.status,
    amountMinor: r.amountMinor,
    currency: r.currency,
    reason: r.reason,
    requestedBy: r.requestedBy,
    attempts: r.attempts,
    lastError: r.lastError,
    createdAt: r.createdAt.toISOString(),
    // An admin's refund is settled by its id; one the engine owes, through its checkout.
    settle: r.requestedBy ? `refunds handled --id ${r.id}` : `refund-handled --order ${r.orderId}`,
  }));
}

export type OpsHandled =
  | { kind: 'handled'; refundId: number; orderId: number }
  | { kind: 'not_found' }
  /** The engine owes it, and its checkout waits for ops' word: `refund-handled --order`. */
  | { kind: 'owed_by_checkout'; orderId: number }
  | { kind: 'not_owed'; status: string };

/**
 * Ops paid an admin's refund back by hand (SumUp refused it for good, or never answered):
 * handled, and the order's workflow, if still trying, stops at its next attempt.
 */
export async function markAdminRefundHandled(db: Database, refundId: number): Promise<OpsHandled> {
  const [refund] = await db.select().from(refunds).where(eq(refunds.id, refundId));
  if (!refund) return { kind: 'not_found' };
  if (!refund.requestedBy) return { kind: 'owed_by_checkout', orderId: refund.orderId };
  if (refund.status === 'handled') return { kind: 'handled', refundId, orderId: refund.orderId };
  if (refund.status === 'issued') return { kind: 'not_owed', status: refund.status };
  await markRefundHandled(db, refundId);
  return { kind: 'handled', refundId, orderId: refund.orderId };
}
