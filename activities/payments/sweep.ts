import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { orders } from '../../db/schema/index.ts';
import type { PaymentState } from './checkout-payments.ts';
import { SumupFailure, type SumupFailureDetails } from './sumup-errors.ts';

export interface SweepInput {
  /** At most this many orders looked at in one run. */
  batchSize: number;
  /** Closed orders older than this are not asked about again. */
  lookbackDays: number;
  /** A pending order older than this has no checkout left that can close it. */
  stalePendingMs: number;
}

export interface SweepFindings {
  /** Orders looked at (SumUp asked, or pending past any checkout's life). */
  checked: number;
  /** Orders to reconcile; `closeIfUnpaid` for a pending order no checkout will close. */
  found: { orderId: number; closeIfUnpaid: boolean }[];
  /** SumUp answered 429: the batch stopped there, and the next run goes on. */
  rateLimited: boolean;
}

/**
 * The payments sweeper's look at the database and SumUp: orders whose outcome is not
 * settled. Pending orders no checkout can still own (their workflow failed or was
 * terminated: it would have closed them by now) are found as they are; closed unpaid orders
 * of the last days are found when SumUp reads their checkout PAID (a webhook SumUp gave up
 * on). Least recently checked first, so successive runs go round them all.
 */
export async function findUnsettledPayments(
  db: Database,
  input: SweepInput,
  readCheckout: (input: { orderId: number }) => Promise<PaymentState>,
): Promise<SweepFindings> {
  const now = Date.now();
  const leastRecentlyChecked = [sql`${orders.paymentCheckedAt} ASC NULLS FIRST`, asc(orders.id)];
  const stale = await db
    .select({ id: orders.id })
    .from(orders)
    .where(
      and(
        eq(orders.status, 'pending'),
        isNull(orders.refundState),
        lt(orders.createdAt, new Date(now - input.stalePendingMs)),
      ),
    )
    .orderBy(...leastRecentlyChecked)
    .limit(input.batchSize);
  const closed = await db
    .select({ id: orders.id })
    .from(orders)
    .where(
      and(
        inArray(orders.status, ['expired', 'failed', 'cancelled']),
        isNull(orders.refundState),
        isNotNull(orders.sumupCheckoutId),
        gt(orders.closedAt, new Date(now - input.lookbackDays * 86_400_000)),
      ),
    )
    .orderBy(...leastRecentlyChecked)
    .limit(Math.max(0, input.batchSize - stale.length));

  const found = stale.map((o) => ({ orderId: o.id, closeIfUnpaid: true }));
  const checked = stale.map((o) => o.id);
  let rateLimited = false;
  for (const { id } of closed) {
    try {
      const payment = await readCheckout({ orderId: id });
      if (payment.status === 'PAID') found.push({ orderId: id, closeIfUnpaid: false });
    } catch (error) {
      if (isRateLimit(error)) {
        rateLimited = true;
        break;
      }
      // Any other answer is for the order's own reconciliation to meet: not now.
    }
    checked.push(id);
  }
  if (checked.length > 0) {
    await db
      .update(orders)
      .set({ paymentCheckedAt: new Date() })
      .where(inArray(orders.id, checked));
  }
  return { checked: checked.length, found, rateLimited };
}

function isRateLimit(error: unknown): boolean {
  if (!(error instanceof ApplicationFailure) || error.type !== SumupFailure.unavailable) {
    return false;
  }
  return (error.details?.[0] as SumupFailureDetails | undefined)?.status === 429;
}
