import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { readPricedCart, type PricedLine } from '../../db/queries/cart.ts';
import {
  addBooking,
  addProduct,
  adoptSessionCart,
  buyTickets,
  removeBooking,
  removeTicket,
  setProductQuantity,
  type LineEdit,
  type CartChange,
} from '../../db/queries/cart-lines.ts';
import type { Shopper } from '../../workflows/checkout-types.ts';
import { shopperOf } from '../auth.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { ApiProblem, lineProblemSchema, problemResponses } from '../problem.ts';
import { bodyId, pathId } from '../ids.ts';
import type { ShopperTokenVerifier } from '../shopper-token.ts';

const id = bodyId;
const idParam = z.object({ id: pathId });
const quantity = z.number().int().min(1).max(99);
const addProductBody = z.object({ productId: id, quantity: quantity.default(1) }).strict();
const setQuantityBody = z.object({ quantity: z.number().int().min(0).max(99) }).strict();
const addBookingBody = z
  .object({
    slotId: id,
    startsAt: z.iso
      .datetime({ offset: true })
      .refine((s) => Date.parse(s) > Date.now(), 'must be in the future')
      .refine((s) => Date.parse(s) < Date.now() + 2 * 365 * 86_400_000, 'at most two years ahead'),
  })
  .strict();
const buyTicketsBody = z
  .object({ entryId: id, ticketTypeId: id.nullable().default(null), quantity: quantity.default(1) })
  .strict();
const adoptBody = z.object({ sessionToken: z.string().min(1).max(2000) }).strict();

const pricedLine = z.object({
  kind: z.enum(['product', 'booking', 'ticket']),
  id: z.number().int(),
  productId: z.number().int().optional(),
  pageId: z.number().int(),
  title: z.string(),
  quantity: z.number().int(),
  unitPriceMinor: z.number().int().nullable(),
  currency: z.string(),
  problem: z
    .enum(['product_unavailable', 'booking_unavailable', 'ticket_unavailable', 'ticket_not_priced'])
    .optional()
    .describe('Why the line cannot be bought now (retired, off sale, not priced).'),
});
const totals = {
  productsMinor: z.number().int(),
  bookingsMinor: z.number().int(),
  ticketsMinor: z.number().int(),
  totalMinor: z.number().int(),
};
export const cartSchema = z.object({
  currencies: z.array(z.string()),
  pages: z.array(z.object({ pageId: z.number().int(), lines: z.array(pricedLine), ...totals })),
  ...totals,
  count: z.number().int(),
});
const summarySchema = z.object({
  count: z.number().int(),
  totalMinor: z.number().int(),
  currencies: z.array(z.string()),
});

const lineTotal = (line: PricedLine) => (line.unitPriceMinor ?? 0) * line.quantity;
const sum = (lines: PricedLine[]) => lines.reduce((total, line) => total + lineTotal(line), 0);

/** The cart grouped by page, with totals for products, bookings, tickets and all. */
export function cartView(lines: PricedLine[]): z.infer<typeof cartSchema> {
  const pageIds = [...new Set(lines.map((l) => l.pageId))].sort((a, b) => a - b);
  const totalsOf = (group: PricedLine[]) => ({
    productsMinor: sum(group.filter((l) => l.kind === 'product')),
    bookingsMinor: sum(group.filter((l) => l.kind === 'booking')),
    ticketsMinor: sum(group.filter((l) => l.kind === 'ticket')),
    totalMinor: sum(group),
  });
  return {
    currencies: [...new Set(lines.map((l) => l.currency))],
    pages: pageIds.map((pageId) => {
      const group = lines.filter((l) => l.pageId === pageId);
      return { pageId, lines: group, ...totalsOf(group) };
    }),
    ...totalsOf(lines),
    count: lines.reduce((n, l) => n + l.quantity, 0),
  };
}

export const readCart = async (db: Database, shopper: Shopper) =>
  cartView(await readPricedCart(db, shopper, { pageId: null }));

const refusals: Record<Exclude<CartChange, 'ok'>, [number, string, string]> = {
  unknown_product: [404, 'body.productId', 'not found or not for sale'],
  unknown_entry: [404, 'body.entryId', 'not found or not selling tickets'],
  unknown_ticket_type: [404, 'body.ticketTypeId', 'not a ticket type of that entry'],
  unknown_slot: [404, 'body.slotId', 'not found or not bookable'],
  slot_closed: [
    400,
    'body.startsAt',
    "not on the slot's days and times, in its calendar's time zone",
  ],
  time_taken: [409, 'body.startsAt', 'that time is already taken, or already in the cart'],
  line_in_checkout: [409, 'body.productId', 'its line is in an open checkout; add once that ends'],
};

/** A change to one line: done, not there, or held by an open checkout until it ends. */
function edited(edit: LineEdit, notFound: [code: string, message: string]): void {
  if (edit === 'ok') return;
  if (edit === 'line_in_checkout') {
    throw new ApiProblem(
      409,
      'line_in_checkout',
      'An open checkout holds this line; it can change once that checkout is paid or ends.',
      [{ field: 'path.id', message: 'in an open checkout' }],
    );
  }
  throw new ApiProblem(404, ...notFound);
}
const lineNotFound: [string, string] = ['line_not_found', 'That product is not in the cart.'];

function refuse(change: CartChange): void {
  if (change === 'ok') return;
  const [status, field, message] = refusals[change];
  throw new ApiProblem(status, change, 'That cannot go in the cart.', [{ field, message }]);
}

const signedIn = (shopper: Shopper, why: string): string => {
  if (shopper.userId === undefined) throw new ApiProblem(403, 'sign_in_required', why);
  return shopper.userId;
};

const cartAnswer = { 200: { description: 'The cart after the change.', schema: cartSchema } };
const shopperOnly = { access: 'shopper', tag: 'cart' } as const;

export function cartEndpoints(db: Database, shopperTokens: ShopperTokenVerifier): Endpoint[] {
  return [
    endpoint(
      {
        ...shopperOnly,
        method: 'get',
        path: '/v1/cart',
        summary: 'The cart grouped by page, with totals',
        responses: { 200: { description: 'The cart.', schema: cartSchema } },
      },
      async (_in, _req, res) => {
        res.json(await readCart(db, shopperOf(res)));
      },
    ),
    endpoint(
      {
        ...shopperOnly,
        method: 'get',
        path: '/v1/cart/summary',
        summary: 'Count and total of the cart, tickets included',
        responses: { 200: { description: 'The summary.', schema: summarySchema } },
      },
      async (_in, _req, res) => {
        const { count, totalMinor, currencies } = await readCart(db, shopperOf(res));
        res.json({ count, totalMinor, currencies });
      },
    ),
    endpoint(
      {
        ...shopperOnly,
        method: 'post',
        path: '/v1/cart/products',
        summary: 'Add a product (to its line, if there is one)',
        body: addProductBody,
        responses: { 201: cartAnswer[200], ...problemResponses(400, 404, 409) },
      },
      async ({ body }, _req, res) => {
        refuse(await addProduct(db, shopperOf(res), body.productId, body.quantity));
        res.status(201).json(await readCart(db, shopperOf(res)));
      },
    ),
    endpoint(
      {
        ...shopperOnly,
        method: 'put',
        path: '/v1/cart/products/:id',
        summary: "Set a product line's quantity (0 removes it)",
        params: idParam,
        body: setQuantityBody,
        responses: { ...cartAnswer, ...problemResponses(400, 404, 409) },
      },
      async ({ params, body }, _req, res) => {
        edited(
          await setProductQuantity(db, shopperOf(res), params.id, body.quantity),
          lineNotFound,
        );
        res.json(await readCart(db, shopperOf(res)));
      },
    ),
    endpoint(
      {
        ...shopperOnly,
        method: 'delete',
        path: '/v1/cart/products/:id',
        summary: 'Remove a product line',
        params: idParam,
        responses: { 204: { description: 'Removed.' }, ...problemResponses(400, 404, 409) },
      },
      async ({ params }, _req, res) => {
        edited(await setProductQuantity(db, shopperOf(res), params.id, 0), lineNotFound);
        res.status(204).end();
      },
    ),
    endpoint(
      {
        ...shopperOnly,
        method: 'post',
        path: '/v1/cart/bookings',
        summary: 'Book a calendar slot at a time (priced from the slot)',
        body: addBookingBody,
        responses: { 201: cartAnswer[200], ...problemResponses(400, 404, 409) },
      },
      async ({ body }, _req, res) => {
        const shopper = shopperOf(res);
        refuse((await addBooking(db, shopper, body.slotId, new Date(body.startsAt))).change);
        res.status(201).json(await readCart(db, shopper));
      },
    ),
    endpoint(
      {
        ...shopperOnly,
        method: 'delete',
        path: '/v1/cart/bookings/:id',
        summary: 'Take a booking out of the cart',
        params: idParam,
        responses: { 204: { description: 'Removed.' }, ...problemResponses(400, 404, 409) },
      },
      async ({ params }, _req, res) => {
        edited(await removeBooking(db, shopperOf(res), params.id), [
          'booking_not_found',
          'No such booking in the cart.',
        ]);
        res.status(204).end();
      },
    ),
    endpoint(
      {
        ...shopperOnly,
        method: 'post',
        path: '/v1/cart/tickets',
        summary: 'Buy tickets for an entry or ticket type (signed-in shoppers)',
        body: buyTicketsBody,
        responses: { 201: cartAnswer[200], ...problemResponses(400, 403, 404) },
      },
      async ({ body }, _req, res) => {
        const userId = signedIn(shopperOf(res), 'Sign in to buy tickets.');
        refuse(await buyTickets(db, userId, body.entryId, body.ticketTypeId, body.quantity));
        res.status(201).json(await readCart(db, shopperOf(res)));
      },
    ),
    endpoint(
      {
        ...shopperOnly,
        method: 'delete',
        path: '/v1/cart/tickets/:id',
        summary: 'Take a pending ticket out of the cart',
        params: idParam,
        responses: { 204: { description: 'Removed.' }, ...problemResponses(400, 404, 409) },
      },
      async ({ params }, _req, res) => {
        const shopper = shopperOf(res);
        // Another shopper's ticket answers as not found: nothing leaks.
        edited(
          shopper.userId === undefined
            ? 'not_found'
            : await removeTicket(db, shopper.userId, params.id),
          ['ticket_not_found', 'No such ticket in the cart.'],
        );
        res.status(204).end();
      },
    ),
    // On sign-in: the storefront proves the anonymous session with its own signed token, so
    // that nobody can take over a cart by naming a session id.
    endpoint(
      {
        ...shopperOnly,
        method: 'post',
        path: '/v1/cart/adopt',
        summary: "Adopt an anonymous session's cart on sign-in",
        body: adoptBody,
        responses: {
          200: {
            description:
              "The user's cart with the session's merged in; `dropped` names the session's bookings of times the user already held.",
            schema: cartSchema.extend({ dropped: z.array(lineProblemSchema) }),
          },
          ...problemResponses(400, 403, 409),
        },
      },
      async ({ body }, _req, res) => {
        const userId = signedIn(shopperOf(res), 'Only a signed-in shopper adopts a cart.');
        const session = await shopperTokens(body.sessionToken);
        if (session?.sessionId === undefined) {
          throw new ApiProblem(400, 'invalid_session_token', 'The session token is not valid.', [
            { field: 'body.sessionToken', message: 'missing, forged, expired or not a session' },
          ]);
        }
        const adopted = await adoptSessionCart(db, session.sessionId, userId);
        if ('inCheckout' in adopted) {
          throw new ApiProblem(
            409,
            'lines_in_checkout',
            'Lines that would merge are in an open checkout; adopt once it ends.',
            [],
            { problems: adopted.inCheckout },
          );
        }
        res.json({ ...(await readCart(db, shopperOf(res))), dropped: adopted.dropped });
      },
    ),
  ];
}
