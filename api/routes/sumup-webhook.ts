import type { RefundRetry } from '../../workflows/activity-proxies.ts';
import type { Client } from '@temporalio/client';
import express from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { orderBySumupCheckout } from '../../db/queries/orders.ts';
import { sumupWebhookSignal } from '../../workflows/checkout-messages.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { problemResponses } from '../problem.ts';
import { wakeCheckout } from '../wake-checkout.ts';

// Whatever arrives parses: SumUp gets its empty 2xx for anything, and learns nothing.
const notification = z
  .looseObject({
    event_type: z.string().optional(),
    // No bound: whatever it says is looked up, and anything unknown gets the same 204.
    id: z.string().optional().describe("SumUp's checkout id."),
  })
  .catch({});

/**
 * SumUp's webhook. The body is a hint, never evidence: it only says which checkout to look
 * at, and the workflow reads SumUp itself. Unknown checkouts and event types get the same
 * empty 204.
 */
export function sumupWebhookEndpoints(
  db: Database,
  client: Client,
  taskQueue: string,
  limit: express.RequestHandler[],
  refundRetry?: RefundRetry,
): Endpoint[] {
  return [
    endpoint(
      {
        method: 'post',
        path: '/webhooks/sumup',
        summary: "SumUp's checkout status notification",
        tag: 'sumup',
        access: 'public',
        body: notification,
        responses: {
          204: { description: 'Noted, whatever it said.' },
          ...problemResponses(400, 413),
        },
      },
      async ({ body }, _req, res) => {
        if (body.event_type === 'CHECKOUT_STATUS_CHANGED' && body.id) {
          const order = await orderBySumupCheckout(db, body.id);
          if (order) {
            Object.assign(res.locals, { orderId: order.id, workflowId: order.workflowId });
            await wakeCheckout(client, taskQueue, order, sumupWebhookSignal, refundRetry);
          }
        }
        res.status(204).end();
      },
      [...limit, express.json({ limit: '4kb' })],
    ),
  ];
}
