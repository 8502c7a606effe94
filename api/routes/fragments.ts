import type { Database } from '../../db/client.ts';
import { shopperOf } from '../auth.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { html, sendFragment } from '../html.ts';
import { readCart } from './cart.ts';

/**
 * HTML snippets the other services embed in their own pages, fetched server to server as
 * the shopper. Links are site-relative: the storefront serves /cart and /orders.
 */
export function fragmentEndpoints(db: Database): Endpoint[] {
  return [
    endpoint(
      {
        method: 'get',
        path: '/v1/fragments/cart-mini',
        summary: 'Cart icon with a count badge (products, bookings and tickets)',
        tag: 'fragments',
        access: 'shopper',
        responses: { 200: { description: 'An HTML snippet.', html: true } },
      },
      async (_in, _req, res) => {
        const { count } = await readCart(db, shopperOf(res));
        sendFragment(
          res,
          html`<a
            class="cart-mini"
            href="/cart"
            aria-label="Cart, ${count} ${count === 1 ? 'item' : 'items'}"
            ><span aria-hidden="true">&#128722;</span
            >${count > 0 ? html`<span class="badge" data-count="${count}">${count}</span>` : ''}</a
          >`,
        );
      },
    ),
    endpoint(
      {
        method: 'get',
        path: '/v1/fragments/account-nav-item',
        summary: "A navigation link to the shopper's orders",
        tag: 'fragments',
        access: 'shopper',
        responses: { 200: { description: 'An HTML snippet.', html: true } },
      },
      (_in, _req, res) => {
        sendFragment(
          res,
          html`<li class="account-nav-item"><a href="/orders">Your orders</a></li>`,
        );
      },
    ),
  ];
}
