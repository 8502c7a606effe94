import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import express, { type Request, type Response } from 'express';
import type { Database } from '../../db/client.ts';
import { orders } from '../../db/schema/index.ts';
import { sumupWebhookSignal } from '../../workflows/checkout-messages.ts';
import {
  reconcileLatePayment,
  reconcileWorkflowId,
} from '../../workflows/reconcile-late-payment.ts';

/**
 * SumUp's webhook. The body is a hint, never evidence: it only says which checkout to look
 * at. The run that made the order is woken to read SumUp itself; if that run has ended, a
 * reconciliation starts (one per order at a time), so a late payment is never ignored.
 * Unknown checkouts and event types get the same empty 204.
 */
export function sumupWebhookRoutes(
  db: Database,
  client: Client,
  taskQueue: string,
): express.Router {
  const router = express.Router();
  router.post(
    '/webhooks/sumup',
    express.json({ limit: '4kb' }),
    async (req: Request, res: Response) => {
      const body = req.body as { event_type?: unknown; id?: unknown } | undefined;
      if (
        body?.event_type !== 'CHECKOUT_STATUS_CHANGED' ||
        typeof body.id !== 'string' ||
        body.id.length > 100
      ) {
        res.status(204).end();
        return;
      }
      const [order] = await db
        .select({ id: orders.id, workflowId: orders.workflowId, runId: orders.workflowRunId })
        .from(orders)
        .where(eq(orders.sumupCheckoutId, body.id));
      if (order) {
        try {
          await client.workflow
            .getHandle(order.workflowId, order.runId ?? undefined)
            .signal(sumupWebhookSignal);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          await client.workflow.start(reconcileLatePayment, {
            workflowId: reconcileWorkflowId(order.id),
            taskQueue,
            args: [{ orderId: order.id }],
            workflowIdConflictPolicy: 'USE_EXISTING',
          });
        }
      }
      res.status(204).end();
    },
  );
  return router;
}
