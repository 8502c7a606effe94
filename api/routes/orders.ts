import type { RefundRetry } from '../../workflows/activity-proxies.ts';
import type { Client } from '@temporalio/client';
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { orderByToken, orderContents, ordersOf, type OrderRow } from '../../db/queries/orders.ts';
import { shopperReturnedSignal } from '../../workflows/checkout-messages.ts';
import { shopperOf } from '../auth.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { queryCount } from '../ids.ts';
import { sendPage } from '../html.ts';
import { orderHtml, orderListHtml, orderSchema, orderView, type OrderView } from '../order-view.ts';
import { ApiProblem, problemResponses } from '../problem.ts';
import { wakeCheckout } from '../wake-checkout.ts';

const token = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'not an order token')
  .describe("The order's unguessable token.");
const tokenParams = z.object({ token });
const listQuery = z
  .object({
    limit: queryCount(100).default(20),
    before: token.optional().describe('The last order of the previous page.'),
  })
  .strict();

const notFound = () =>
  new ApiProblem(404, 'order_not_found', 'There is no such order for this shopper.');

const wantsHtml = (req: Request) => req.accepts(['application/json', 'text/html']) === 'text/html';

const orderAnswers = {
  description: 'JSON, or an HTML page when the client accepts text/html first.',
  schema: orderSchema,
  html: true,
} as const;

export interface ReturnPageSettings {
  /** How long the return page waits for the payment's outcome before it shows "pending". */
  waitMs: number;
  pollMs: number;
}

export function orderEndpoints(
  db: Database,
  client: Client,
  taskQueue: string,
  publicLimit: RequestHandler[],
  returnPage: ReturnPageSettings = { waitMs: 5000, pollMs: 250 },
  refundRetry?: RefundRetry,
): Endpoint[] {
  const viewsOf = async (rows: OrderRow[]): Promise<OrderView[]> => {
    const contents = await orderContents(
      db,
      rows.map((o) => o.id),
    );
    return rows.map((o) => orderView(o, contents.get(o.id)!));
  };
  const showOrder = async (res: Response, order: OrderRow, refreshSeconds?: number) => {
    const [view] = await viewsOf([order]);
    sendPage(res, 'Your order', orderHtml(view!), { refreshSeconds });
  };

  return [
    endpoint(
      {
        method: 'get',
        path: '/v1/orders',
        summary: "The shopper's orders, newest first",
        tag: 'orders',
        access: 'shopper',
        query: listQuery,
        responses: {
          200: {
            description: orderAnswers.description,
            schema: z.object({
              orders: z.array(orderSchema),
              next: token.nullable().describe('Pass as `before` for the next page.'),
            }),
            html: true,
          },
          ...problemResponses(400, 404),
        },
      },
      async ({ query }, req, res) => {
        const shopper = shopperOf(res);
        let before: OrderRow | undefined;
        if (query.before) {
          before = await orderByToken(db, query.before, shopper);
          if (!before) throw notFound();
        }
        const rows = await ordersOf(db, shopper, { limit: query.limit, before });
        const views = await viewsOf(rows);
        if (wantsHtml(req)) return sendPage(res, 'Your orders', orderListHtml(views));
        const next = rows.length === query.limit ? rows.at(-1)!.publicToken : null;
        res.json({ orders: views, next });
      },
    ),
    endpoint(
      {
        method: 'get',
        path: '/v1/orders/:token',
        summary: "One of the shopper's orders",
        tag: 'orders',
        access: 'shopper',
        params: tokenParams,
        responses: { 200: orderAnswers, ...problemResponses(400, 404) },
      },
      async ({ params }, req, res) => {
        const order = await orderByToken(db, params.token, shopperOf(res));
        if (!order) throw notFound();
        if (wantsHtml(req)) return showOrder(res, order);
        const [view] = await viewsOf([order]);
        res.json(view);
      },
    ),
    // The token is the capability: whoever has the link sees the order, as with a receipt.
    endpoint(
      {
        method: 'get',
        path: '/orders/:token',
        summary: "The order page, for the shopper's browser",
        tag: 'pages',
        access: 'public',
        params: tokenParams,
        responses: {
          200: { description: 'The order.', html: true },
          ...problemResponses(400, 404),
        },
      },
      async ({ params }, _req, res) => {
        const order = await orderByToken(db, params.token);
        if (!order) throw notFound();
        await showOrder(res, order);
      },
      publicLimit,
    ),
    // Where SumUp sends the shopper back. The page wakes the workflow to read SumUp at once,
    // waits briefly for the outcome, and refreshes itself while the payment is pending.
    endpoint(
      {
        method: 'get',
        path: '/checkout/return/:token',
        summary: 'The return page SumUp redirects the shopper to',
        tag: 'pages',
        access: 'public',
        params: tokenParams,
        responses: {
          200: { description: 'Paid, pending or failed, with the order.', html: true },
          ...problemResponses(400, 404),
        },
      },
      async ({ params }, _req, res) => {
        let order = await orderByToken(db, params.token);
        if (!order) throw notFound();
        Object.assign(res.locals, { orderId: order.id, workflowId: order.workflowId });
        // Not paid yet, or closed unpaid: SumUp is asked before the page says "not paid", since
        // the shopper may have paid after we gave up (a reconciliation then confirms it).
        if (order.status !== 'paid') {
          const reconciling = await wakeCheckout(
            client,
            taskQueue,
            order,
            shopperReturnedSignal,
            refundRetry,
          );
          let reconciled = reconciling === undefined;
          void reconciling
            ?.result()
            .catch(() => undefined)
            .finally(() => (reconciled = true));
          const deadline = Date.now() + returnPage.waitMs;
          const reload = async () => (order = (await orderByToken(db, params.token)) ?? order);
          while ((order.status === 'pending' || !reconciled) && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, returnPage.pollMs));
            await reload();
          }
          await reload();
        }
        await showOrder(res, order, order.status === 'pending' ? 5 : undefined);
      },
      publicLimit,
    ),
  ];
}
