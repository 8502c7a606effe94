import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/workflow';
import type { OrderRow } from '../db/queries/orders.ts';
import type { RefundRetry } from '../workflows/activity-proxies.ts';
import { reconcileLatePayment, reconcileWorkflowId } from '../workflows/reconcile-late-payment.ts';

/**
 * Tells the run that made the order to look at SumUp now. If that run has ended and the
 * order is not paid, the shopper may have paid after we gave up: a reconciliation starts
 * (one per order at a time), so a late payment is never ignored. Answers the
 * reconciliation's handle when it is one that looks.
 */
export async function wakeCheckout(
  client: Client,
  taskQueue: string,
  order: OrderRow,
  signal: SignalDefinition,
  refundRetry?: RefundRetry,
): Promise<WorkflowHandle<typeof reconcileLatePayment> | undefined> {
  try {
    await client.workflow
      .getHandle(order.workflowId, order.workflowRunId ?? undefined)
      .signal(signal);
    return undefined;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    if (order.status === 'paid' || order.sumupCheckoutId === null) return undefined;
    return await client.workflow.start(reconcileLatePayment, {
      workflowId: reconcileWorkflowId(order.id),
      taskQueue,
      args: [{ orderId: order.id, ...(refundRetry ? { refundRetry } : {}) }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }
}
