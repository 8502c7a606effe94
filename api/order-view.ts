import { z } from 'zod';
import type { OrderItemView, OrderRow, RefundView } from '../db/queries/orders.ts';
import { formatMoney, html, type Html } from './html.ts';

const itemSchema = z.object({
  kind: z.enum(['product', 'booking', 'ticket']),
  title: z.string(),
  quantity: z.number().int(),
  unitPriceMinor: z.number().int(),
  currency: z.string(),
  state: z.string().nullable().describe("The booking's or ticket's state now; null for products."),
  ticketCode: z
    .string()
    .nullable()
    .describe('For a ticket the order paid for: the code the door scans.'),
});

export const orderSchema = z.object({
  token: z.string().describe('Unguessable; names the order in browser-facing pages.'),
  orderId: z.number().int(),
  status: z.enum(['pending', 'paid', 'failed', 'expired', 'cancelled']),
  outcome: z.enum(['pending', 'paid', 'failed']).describe('What a shopper is told.'),
  refundState: z.enum(['refund_due', 'refunded']).nullable(),
  pageId: z.number().int().nullable(),
  totalMinor: z.number().int(),
  currency: z.string(),
  createdAt: z.string(),
  paidAt: z.string().nullable(),
  items: z.array(itemSchema),
  refunds: z.array(
    z.object({
      amountMinor: z.number().int(),
      currency: z.string(),
      reason: z.string(),
      status: z.enum(['due', 'issued', 'failed', 'handled']),
    }),
  ),
});
export type OrderView = z.infer<typeof orderSchema>;

const outcomeOf = (status: OrderRow['status']): OrderView['outcome'] =>
  status === 'paid' ? 'paid' : status === 'pending' ? 'pending' : 'failed';

export function orderView(
  order: OrderRow,
  contents: { items: OrderItemView[]; refunds: RefundView[] },
): OrderView {
  return {
    token: order.publicToken,
    orderId: order.id,
    status: order.status,
    outcome: outcomeOf(order.status),
    refundState: order.refundState,
    pageId: order.pageId,
    totalMinor: order.totalMinor,
    currency: order.currency,
    createdAt: order.createdAt.toISOString(),
    paidAt: order.paidAt?.toISOString() ?? null,
    items: contents.items,
    refunds: contents.refunds,
  };
}

const headline: Record<OrderView['outcome'], string> = {
  paid: 'Paid',
  pending: 'Waiting for the payment',
  failed: 'Not paid',
};

const kindLabel = { product: 'Product', booking: 'Booking', ticket: 'Ticket' } as const;

/** The refund notice: what was paid for but could not be honoured, and what is owed back. */
function refundNotice(view: OrderView): Html | '' {
  if (view.refunds.length === 0) return '';
  const lost = view.items.filter((i) => i.state === 'cancelled');
  return html`<div class="notice" role="status">
    <strong>Refund notice.</strong> ${
      lost.length
        ? html`<p>
              These could not be honoured because the event filled up or the time was taken while
              you paid:
            </p>
            <ul>
              ${lost.map((i) => html`<li>${i.title}</li>`)}
            </ul>`
        : ''
    }
    ${view.refunds.map(
      (r) =>
        html`<p>
          ${formatMoney(r.amountMinor, r.currency)}
          ${r.status === 'issued' || r.status === 'handled' ? 'has been refunded' : 'will be refunded'}
          to you.
        </p>`,
    )}
  </div>`;
}

/** The order as a shopper sees it on the return page and the order page. */
export function orderHtml(view: OrderView): Html {
  return html`<h1>
      Order
      <span class="status ${view.outcome}" data-outcome="${view.outcome}"
        >${headline[view.outcome]}</span
      >
    </h1>
    ${refundNotice(view)}
    <table>
      <thead>
        <tr>
          <th>Item</th>
          <th>Kind</th>
          <th class="n">Qty</th>
          <th class="n">Price</th>
          <th>State</th>
        </tr>
      </thead>
      <tbody>
        ${view.items.map(
          (i) =>
            html`<tr data-kind="${i.kind}">
              <td>${i.title}</td>
              <td>${kindLabel[i.kind]}</td>
              <td class="n">${i.quantity}</td>
              <td class="n">${formatMoney(i.unitPriceMinor * i.quantity, i.currency)}</td>
              <td>
                ${i.state ?? ''}${
                  i.ticketCode ? html` <code class="ticket-code">${i.ticketCode}</code>` : ''
                }
              </td>
            </tr>`,
        )}
      </tbody>
      <tfoot>
        <tr>
          <th colspan="3">Total</th>
          <th class="n">${formatMoney(view.totalMinor, view.currency)}</th>
          <th></th>
        </tr>
      </tfoot>
    </table>`;
}

/** The shopper's orders as a list of links to their order pages. */
export function orderListHtml(views: OrderView[]): Html {
  return html`<h1>Your orders</h1>
    ${views.length === 0 ? html`<p>No orders yet.</p>` : ''}
    <ul class="orders">
      ${views.map(
        (v) =>
          html`<li>
            <a href="/orders/${v.token}"
              >${v.createdAt.slice(0, 10)}: ${formatMoney(v.totalMinor, v.currency)}</a
            >
            <span class="status ${v.outcome}">${headline[v.outcome]}</span>
          </li>`,
      )}
    </ul>`;
}
