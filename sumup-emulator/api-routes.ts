import express, { type Request, type Response } from 'express';
import { toMajorUnits, toMinorUnits } from '../activities/payments/minor-units.ts';
import { sendError, sendProblem, sendUnauthorized, sendValidationError } from './errors.ts';
import type { Faults } from './faults.ts';
import {
  checkoutCreateRequest,
  checkoutUpdateRequest,
  listCheckoutsQuery,
  processCheckoutRequest,
  refundRequest,
} from './schemas.ts';
import { StateError, type Account, type Checkout, type EmulatorStore } from './store.ts';
import { checkoutView, transactionFullView } from './views.ts';

export interface ApiContext {
  store: EmulatorStore;
  faults: Faults;
  publicUrl: () => string;
}

const bearer = /^Bearer (.+)$/;

function account(ctx: ApiContext, req: Request, res: Response): Account | undefined {
  const key = bearer.exec(req.get('authorization') ?? '')?.[1];
  const found = key ? ctx.store.accounts.get(key) : undefined;
  if (!found) sendUnauthorized(res);
  return found;
}

const notFound = (res: Response) => sendError(res, 404, 'NOT_FOUND', 'Resource not found');

function stateConflict(res: Response, error: unknown): void {
  if (!(error instanceof StateError)) throw error;
  const message =
    error.code === 'CHECKOUT_PROCESSED'
      ? 'Checkout is already processed'
      : 'Checkout session is expired';
  sendError(res, 409, error.code, message);
}

/** An amount in major units the currency can express, else a 400 naming the field. */
function minorAmount(res: Response, amount: number, currency: string, param: string) {
  const minor = toMinorUnits(amount, currency);
  if (minor === undefined) {
    res.status(400).json({ message: 'Validation error', error_code: 'INVALID', param });
  }
  return minor;
}

/** SumUp's REST routes that rose-checkout uses, with SumUp's answers and error bodies. */
export function apiRoutes(ctx: ApiContext): express.Router {
  const router = express.Router();
  const { store, faults } = ctx;
  const byPathCheckout = (req: Request) => store.find(String(req.params.id))?.reference;
  /** Registers a route behind the fault injector, which knows it as `METHOD /path`. */
  const on = (
    method: 'get' | 'post' | 'patch' | 'put' | 'delete',
    path: string,
    reference: (req: Request) => string | undefined,
    handler: (req: Request, res: Response) => void,
  ) =>
    router[method](path, faults.middleware(`${method.toUpperCase()} ${path}`, reference), handler);

  on(
    'post',
    '/v0.1/checkouts',
    (req) => (req.body as { checkout_reference?: string })?.checkout_reference,
    (req, res) => {
      const owner = account(ctx, req, res);
      if (!owner) return;
      const parsed = checkoutCreateRequest.safeParse(req.body);
      if (!parsed.success) return sendValidationError(res, parsed.error, req.body);
      const body = parsed.data;
      if (body.merchant_code !== owner.merchantCode) {
        return sendError(res, 403, 'FORBIDDEN', 'Merchant code does not belong to this API key');
      }
      const amountMinor = minorAmount(res, body.amount, body.currency, 'amount');
      if (amountMinor === undefined) return;
      const created = store.create(owner, {
        reference: body.checkout_reference,
        amountMinor,
        currency: body.currency,
        merchantCode: body.merchant_code,
        hosted: body.hosted_checkout?.enabled === true,
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.return_url !== undefined ? { returnUrl: body.return_url } : {}),
        ...(body.redirect_url !== undefined ? { redirectUrl: body.redirect_url } : {}),
        ...(body.customer_id !== undefined ? { customerId: body.customer_id } : {}),
        ...(body.valid_until ? { validUntil: new Date(body.valid_until) } : {}),
      });
      if (created === 'duplicate') {
        return sendError(
          res,
          409,
          'DUPLICATED_CHECKOUT',
          'Checkout with this checkout reference and pay to email already exists',
        );
      }
      res.status(201).json(checkoutView(created, ctx.publicUrl()));
    },
  );

  on(
    'get',
    '/v0.1/checkouts',
    (req) => req.query.checkout_reference as string | undefined,
    (req, res) => {
      const owner = account(ctx, req, res);
      if (!owner) return;
      const parsed = listCheckoutsQuery.safeParse(req.query);
      if (!parsed.success) return sendValidationError(res, parsed.error, req.query);
      res.json(
        store
          .list(owner, parsed.data.checkout_reference)
          .map((c) => checkoutView(c, ctx.publicUrl())),
      );
    },
  );

  /** Applies a state change and answers the checkout, or SumUp's 409 when it cannot apply. */
  const answerAfter = (res: Response, checkout: Checkout, change: () => void) => {
    try {
      change();
    } catch (error) {
      return stateConflict(res, error);
    }
    res.json(checkoutView(checkout, ctx.publicUrl()));
  };

  const withCheckout =
    (handler: (req: Request, res: Response, checkout: Checkout, owner: Account) => void) =>
    (req: Request, res: Response) => {
      const owner = account(ctx, req, res);
      if (!owner) return;
      const checkout = store.get(owner, String(req.params.id));
      if (!checkout) return notFound(res);
      handler(req, res, checkout, owner);
    };

  on(
    'get',
    '/v0.1/checkouts/:id',
    byPathCheckout,
    withCheckout((_req, res, checkout) => res.json(checkoutView(checkout, ctx.publicUrl()))),
  );

  on(
    'patch',
    '/v0.1/checkouts/:id',
    byPathCheckout,
    withCheckout((req, res, checkout) => {
      const parsed = checkoutUpdateRequest.safeParse(req.body);
      if (!parsed.success) return sendValidationError(res, parsed.error, req.body);
      const body = parsed.data;
      const currency = body.currency ?? checkout.currency;
      const amountMinor =
        body.amount === undefined ? undefined : minorAmount(res, body.amount, currency, 'amount');
      if (body.amount !== undefined && amountMinor === undefined) return;
      answerAfter(res, checkout, () =>
        store.update(checkout, {
          ...(amountMinor !== undefined ? { amountMinor } : {}),
          ...(body.currency !== undefined ? { currency: body.currency } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.checkout_reference !== undefined ? { reference: body.checkout_reference } : {}),
          ...(body.valid_until !== undefined
            ? { validUntil: body.valid_until ? new Date(body.valid_until) : undefined }
            : {}),
          ...(body.return_url !== undefined ? { returnUrl: body.return_url } : {}),
          ...(body.redirect_url !== undefined ? { redirectUrl: body.redirect_url } : {}),
        }),
      );
    }),
  );

  on(
    'delete',
    '/v0.1/checkouts/:id',
    byPathCheckout,
    withCheckout((_req, res, checkout) =>
      answerAfter(res, checkout, () => store.deactivate(checkout)),
    ),
  );

  on(
    'put',
    '/v0.1/checkouts/:id',
    byPathCheckout,
    withCheckout((req, res, checkout) => {
      const parsed = processCheckoutRequest.safeParse(req.body);
      if (!parsed.success) return sendValidationError(res, parsed.error, req.body);
      if (parsed.data.payment_type === 'card' && !parsed.data.card) {
        return res
          .status(400)
          .json({ message: 'Validation error', error_code: 'MISSING', param: 'card' });
      }
      answerAfter(res, checkout, () => store.pay(checkout));
    }),
  );

  const refund = (
    req: Request,
    res: Response,
    owner: Account,
    amount: number | undefined,
    legacy: boolean,
  ) => {
    const found = store.transaction(owner, String(req.params.transactionId));
    if (!found) return sendProblem(res, 404, 'Not Found', 'The transaction does not exist.');
    const { transaction } = found;
    const left = store.refundable(transaction);
    if (left === 0) return sendProblem(res, 409, 'Conflict', 'The transaction cannot be refunded.');
    let amountMinor = left;
    if (amount !== undefined) {
      const minor = toMinorUnits(amount, transaction.currency);
      if (minor === undefined || minor <= 0) {
        return sendProblem(res, 400, 'Bad Request', 'The refund amount must be positive.', {
          param: 'amount',
        });
      }
      if (minor > left) {
        return sendProblem(
          res,
          422,
          'Unprocessable Entity',
          'The refund amount exceeds the refundable amount.',
          {
            max_refundable_amount: toMajorUnits(left, transaction.currency),
          },
        );
      }
      amountMinor = minor;
    }
    store.refund(transaction, amountMinor);
    if (legacy) res.status(204).end();
    else res.status(201).json({});
  };

  on(
    'post',
    '/v1.0/merchants/:merchantCode/payments/:transactionId/refunds',
    () => undefined,
    (req, res) => {
      const owner = account(ctx, req, res);
      if (!owner) return;
      if (req.params.merchantCode !== owner.merchantCode) {
        return sendProblem(
          res,
          403,
          'Forbidden',
          'The merchant code does not belong to this API key.',
        );
      }
      const parsed = refundRequest.safeParse(req.body ?? {});
      if (!parsed.success) {
        return sendProblem(res, 400, 'Bad Request', 'The request body is invalid.', {
          param: parsed.error.issues[0]?.path.join('.'),
        });
      }
      refund(req, res, owner, parsed.data.amount, false);
    },
  );

  // The merchant an API key belongs to: what rose-checkout asks before it stores a key. A
  // merchant not of this key is, to it, one that does not exist (SumUp's 404 problem).
  on(
    'get',
    '/v1/merchants/:merchantCode',
    () => undefined,
    (req, res) => {
      const owner = account(ctx, req, res);
      if (!owner) return;
      if (req.params.merchantCode !== owner.merchantCode) {
        return sendProblem(res, 404, 'Not Found', 'The requested Merchant does not exist.');
      }
      res.json({
        merchant_code: owner.merchantCode,
        alias: owner.merchantName,
        country: 'GB',
        default_currency: 'GBP',
        default_locale: 'en-GB',
      });
    },
  );

  // What SumUp has refunded of a transaction, read back before a refund is sent again.
  on(
    'get',
    '/v2.1/merchants/:merchantCode/transactions',
    () => undefined,
    (req, res) => {
      const owner = account(ctx, req, res);
      if (!owner) return;
      const id = typeof req.query.id === 'string' ? req.query.id : undefined;
      const found =
        req.params.merchantCode === owner.merchantCode && id
          ? store.transaction(owner, id)
          : undefined;
      if (!found) return notFound(res);
      res.json(transactionFullView(found.transaction, found.checkout.merchantCode));
    },
  );

  on(
    'post',
    '/v0.1/me/refund/:transactionId',
    () => undefined,
    (req, res) => {
      const owner = account(ctx, req, res);
      if (!owner) return;
      const parsed = refundRequest.safeParse(req.body ?? {});
      if (!parsed.success) return sendValidationError(res, parsed.error, req.body);
      refund(req, res, owner, parsed.data.amount, true);
    },
  );

  return router;
}
