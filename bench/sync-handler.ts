import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { createActivities } from '../activities/index.ts';
import { connectDatabase } from '../db/client.ts';
import { addProduct } from '../db/queries/cart-lines.ts';
import { orderBySumupCheckout } from '../db/queries/orders.ts';
import { parseCredentialsKeys } from '../db/sealed.ts';

/**
 * The old service's way, for comparison, as its own process: plain request handlers doing a
 * checkout's work with no workflow. A cart add; the order and its claims in one transaction,
 * then SumUp's checkout; SumUp's webhook read back from SumUp and the order confirmed. It runs
 * the worker's own steps (`openOrder`, `createSumupCheckout`, `readAndConfirm`), so the
 * difference is the workflow's.
 * Nothing here survives a crash between two writes: that is what the workflow is for.
 */
const env = process.env;
const database = connectDatabase(env.DATABASE_URL!, { max: 20, applicationName: 'sync-handler' });
const db = database.db;
const app = express();
app.use(express.json());
const server = await new Promise<Server>((resolve) => {
  const listening = app.listen(Number(env.PORT ?? 0), '127.0.0.1', () => resolve(listening));
});
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
// The worker's own steps, called in line rather than by a workflow.
const steps = createActivities({
  db,
  payments: {
    sumupHost: env.SUMUP_API_URL!,
    sumupTimeoutMs: 10_000,
    // SumUp's webhooks come back here.
    publicBaseUrl: url,
    credentialsKeys: parseCredentialsKeys(env.CREDENTIALS_KEYS),
  },
});

const handle =
  (body: (input: Record<string, unknown>) => Promise<[number, unknown?]>): RequestHandler =>
  (req, res) => {
    body(req.body as Record<string, unknown>).then(
      ([status, answer]) =>
        answer === undefined ? res.status(status).end() : res.status(status).json(answer),
      (error: unknown) => res.status(500).json({ error: String(error) }),
    );
  };

app.post(
  '/cart/products',
  handle(async ({ userId, productId }) => {
    const added = await addProduct(db, { userId: String(userId) }, Number(productId), 1);
    return [added === 'unknown_product' ? 404 : 200, { added }];
  }),
);

app.post(
  '/checkouts',
  handle(async ({ userId, pageId }) => {
    const opened = await steps.openOrder({
      idempotencyKey: `sync:${String(userId)}:${Date.now()}`,
      workflowId: `sync:${String(userId)}`,
      workflowRunId: 'sync',
      shopper: { userId: String(userId) },
      scope: { pageId: Number(pageId) },
    });
    if (opened.kind !== 'created' || !opened.claim.claimed) return [409, { status: opened.kind }];
    const { orderId } = opened.order;
    const checkout = await steps.createSumupCheckout({
      orderId,
      expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      description: `Order ${orderId}`,
    });
    return [200, { orderId, hostedCheckoutUrl: checkout.hostedCheckoutUrl }];
  }),
);

app.post(
  '/webhooks/sumup',
  handle(async ({ id }) => {
    const order = typeof id === 'string' ? await orderBySumupCheckout(db, id) : undefined;
    if (!order) return [204];
    await steps.readAndConfirm({ orderId: order.id });
    return [204];
  }),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void database.close().finally(() => process.exit(0));
  });
}
console.log(`sync handler listening on ${url}`);
