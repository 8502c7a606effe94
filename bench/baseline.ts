import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createOrderFromCart } from '../activities/orders/create-order.ts';
import { createPaymentActivities } from '../activities/payments/checkout-payments.ts';
import type { KeyRing } from '../config/key-ring.ts';
import type { Database } from '../db/client.ts';

/**
 * The old service's way, for comparison: one plain request handler creates the order and
 * calls SumUp, with no workflow (and no claims). It shares our order and payment code, so
 * the difference is the workflow's.
 */
export async function startBaseline(
  db: Database,
  sumupHost: string,
  credentialsKeys: KeyRing | undefined,
): Promise<{ url: string; close(): Promise<void> }> {
  const payments = createPaymentActivities(db, {
    sumupHost,
    sumupTimeoutMs: 10_000,
    publicBaseUrl: 'http://127.0.0.1:9',
    // The pages' SumUp keys are sealed: it opens them as the worker does.
    credentialsKeys,
  });
  const app = express();
  app.use(express.json());
  app.post('/baseline/checkouts', async (req, res) => {
    const { userId, pageId } = req.body as { userId: string; pageId: number };
    const made = await createOrderFromCart(db, {
      idempotencyKey: randomUUID(),
      workflowId: `baseline:${userId}`,
      workflowRunId: randomUUID(),
      shopper: { userId },
      scope: { pageId },
    });
    if (made.kind !== 'created') {
      res.status(409).json({ status: made.kind });
      return;
    }
    const checkout = await payments.createSumupCheckout({
      orderId: made.order.orderId,
      expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      description: `Order ${made.order.orderId}`,
    });
    res.json({ orderId: made.order.orderId, hostedCheckoutUrl: checkout.hostedCheckoutUrl });
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
