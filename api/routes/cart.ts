import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { readPricedCart, type PricedLine } from '../../db/queries/cart.ts';
import {
  adoptSessionCart,
  addProduct,
  buyTickets,
  removeTicket,
  setProductQuantity,
  type CartChange,
} from '../../db/queries/cart-lines.ts';
import { shopperOf } from '../auth.ts';
import { ApiProblem, parse } from '../problem.ts';
import { verifyShopperToken } from '../shopper-token.ts';

const quantity = z.number().int().min(1).max(99);
const addProductBody = z
  .object({ productId: z.number().int().positive(), quantity: quantity.default(1) })
  .strict();
const setQuantityBody = z.object({ quantity: z.number().int().min(0).max(99) }).strict();
const buyTicketsBody = z
  .object({
    entryId: z.number().int().positive(),
    ticketTypeId: z.number().int().positive().nullable().default(null),
    quantity: quantity.default(1),
  })
  .strict();
const idParam = z.object({ id: z.coerce.number().int().positive() });
const adoptBody = z.object({ sessionToken: z.string().min(1).max(2000) }).strict();

const lineTotal = (line: PricedLine) => (line.unitPriceMinor ?? 0) * line.quantity;
const sum = (lines: PricedLine[]) => lines.reduce((total, line) => total + lineTotal(line), 0);

/** The cart grouped by page, with totals for products, bookings, tickets and all. */
function cartView(lines: PricedLine[]) {
  const pageIds = [...new Set(lines.map((l) => l.pageId))].sort((a, b) => a - b);
  const totals = (group: PricedLine[]) => ({
    productsMinor: sum(group.filter((l) => l.kind === 'product')),
    bookingsMinor: sum(group.filter((l) => l.kind === 'booking')),
    ticketsMinor: sum(group.filter((l) => l.kind === 'ticket')),
    totalMinor: sum(group),
  });
  return {
    currencies: [...new Set(lines.map((l) => l.currency))],
    pages: pageIds.map((pageId) => {
      const group = lines.filter((l) => l.pageId === pageId);
      return { pageId, lines: group, ...totals(group) };
    }),
    ...totals(lines),
    count: lines.reduce((n, l) => n + l.quantity, 0),
  };
}

function refuse(change: CartChange): void {
  if (change === 'ok') return;
  const field = {
    unknown_product: 'body.productId',
    unknown_entry: 'body.entryId',
    unknown_ticket_type: 'body.ticketTypeId',
  }[change];
  throw new ApiProblem(404, change, 'No such thing to put in the cart.', [
    { field, message: 'not found or not for sale' },
  ]);
}

export function cartRoutes(db: Database, shopperTokenSecret: string): express.Router {
  const router = express.Router();

  // On sign-in: the storefront proves the anonymous session with its own signed token, so
  // that nobody can take over a cart by naming a session id.
  router.post('/v1/cart/adopt', async (req: Request, res: Response) => {
    const shopper = shopperOf(res);
    if (shopper.userId === undefined) {
      throw new ApiProblem(403, 'sign_in_required', 'Only a signed-in shopper adopts a cart.');
    }
    const { sessionToken } = parse(adoptBody, req.body ?? {}, 'body');
    const session = verifyShopperToken(shopperTokenSecret, sessionToken);
    if (session?.sessionId === undefined) {
      throw new ApiProblem(400, 'invalid_session_token', 'The session token is not valid.', [
        { field: 'body.sessionToken', message: 'missing, forged, expired or not a session' },
      ]);
    }
    await adoptSessionCart(db, session.sessionId, shopper.userId);
    res.json(cartView(await readPricedCart(db, shopper, { pageId: null })));
  });

  router.get('/v1/cart', async (_req: Request, res: Response) => {
    res.json(cartView(await readPricedCart(db, shopperOf(res), { pageId: null })));
  });

  router.get('/v1/cart/summary', async (_req: Request, res: Response) => {
    const view = cartView(await readPricedCart(db, shopperOf(res), { pageId: null }));
    res.json({ count: view.count, totalMinor: view.totalMinor, currencies: view.currencies });
  });

  router.post('/v1/cart/products', async (req: Request, res: Response) => {
    const body = parse(addProductBody, req.body ?? {}, 'body');
    refuse(await addProduct(db, shopperOf(res), body.productId, body.quantity));
    res.status(201).json(cartView(await readPricedCart(db, shopperOf(res), { pageId: null })));
  });

  router.put('/v1/cart/products/:id', async (req: Request, res: Response) => {
    const { id } = parse(idParam, req.params, 'path');
    const body = parse(setQuantityBody, req.body ?? {}, 'body');
    if (!(await setProductQuantity(db, shopperOf(res), id, body.quantity))) {
      throw new ApiProblem(404, 'line_not_found', 'That product is not in the cart.');
    }
    res.json(cartView(await readPricedCart(db, shopperOf(res), { pageId: null })));
  });

  router.delete('/v1/cart/products/:id', async (req: Request, res: Response) => {
    const { id } = parse(idParam, req.params, 'path');
    if (!(await setProductQuantity(db, shopperOf(res), id, 0))) {
      throw new ApiProblem(404, 'line_not_found', 'That product is not in the cart.');
    }
    res.status(204).end();
  });

  router.post('/v1/cart/tickets', async (req: Request, res: Response) => {
    const shopper = shopperOf(res);
    if (shopper.userId === undefined) {
      throw new ApiProblem(403, 'sign_in_required', 'Sign in to buy tickets.');
    }
    const body = parse(buyTicketsBody, req.body ?? {}, 'body');
    refuse(await buyTickets(db, shopper.userId, body.entryId, body.ticketTypeId, body.quantity));
    res.status(201).json(cartView(await readPricedCart(db, shopper, { pageId: null })));
  });

  router.delete('/v1/cart/tickets/:id', async (req: Request, res: Response) => {
    const { id } = parse(idParam, req.params, 'path');
    const shopper = shopperOf(res);
    // Another shopper's ticket answers as not found: nothing leaks.
    if (shopper.userId === undefined || !(await removeTicket(db, shopper.userId, id))) {
      throw new ApiProblem(404, 'ticket_not_found', 'No such ticket in the cart.');
    }
    res.status(204).end();
  });

  return router;
}
