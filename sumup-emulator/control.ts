import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { faultRuleInput, type Faults } from './faults.ts';
import { StateError, type EmulatorStore } from './store.ts';
import { webhookBehaviourInput, type Webhooks } from './webhooks.ts';

export const CONTROL_PREFIX = '/_emulator';

const accountInput = z.object({
  api_key: z.string().min(8),
  merchant_code: z.string().min(1),
  merchant_name: z.string().min(1).default('Emulated Merchant'),
});

function parsed<T extends z.ZodType>(
  schema: T,
  req: Request,
  res: Response,
): z.infer<T> | undefined {
  const result = schema.safeParse(req.body ?? {});
  if (result.success) return result.data;
  res.status(400).json({ error: 'invalid control request', issues: result.error.issues });
  return undefined;
}

/** Drives the emulator from tests and demos: reset, settle checkouts, move time, faults. */
export function controlRoutes(
  store: EmulatorStore,
  webhooks: Webhooks,
  faults: Faults,
): express.Router {
  const router = express.Router();

  router.post('/reset', (_req, res) => {
    store.reset();
    webhooks.reset();
    faults.clear();
    res.status(204).end();
  });

  router.post('/accounts', (req, res) => {
    const body = parsed(accountInput, req, res);
    if (!body) return;
    store.accounts.set(body.api_key, {
      apiKey: body.api_key,
      merchantCode: body.merchant_code,
      merchantName: body.merchant_name,
    });
    res.status(201).json({ merchant_code: body.merchant_code });
  });

  // A merchant revokes an API key in SumUp's dashboard: from now on it answers 401.
  router.delete('/accounts/:apiKey', (req, res) => {
    res.status(store.accounts.delete(req.params.apiKey) ? 204 : 404).end();
  });

  const settle = (action: 'pay' | 'fail' | 'expire') => (req: Request, res: Response) => {
    const checkout = store.find(String(req.params.id));
    if (!checkout) return res.status(404).json({ error: 'no such checkout' });
    try {
      if (action === 'expire') store.deactivate(checkout);
      else store.pay(checkout, action === 'pay' ? 'approve' : 'decline');
    } catch (error) {
      if (!(error instanceof StateError)) throw error;
      return res.status(409).json({ error: error.code });
    }
    res.json({ id: checkout.id, status: checkout.status });
  };
  // What SumUp reports of an unpaid checkout, rewritten: how tests make a payment that is not
  // the order's (another amount, currency, merchant or reference), which real SumUp never shows.
  router.patch('/checkouts/:id', (req, res) => {
    const checkout = store.find(String(req.params.id));
    if (!checkout) return res.status(404).json({ error: 'no such checkout' });
    const body = parsed(
      z
        .object({
          amount_minor: z.number().int().positive(),
          currency: z.string().length(3),
          merchant_code: z.string().min(1),
          checkout_reference: z.string().min(1),
        })
        .partial()
        .strict(),
      req,
      res,
    );
    if (!body) return;
    try {
      store.update(checkout, {
        ...(body.amount_minor !== undefined ? { amountMinor: body.amount_minor } : {}),
        ...(body.currency !== undefined ? { currency: body.currency } : {}),
        ...(body.checkout_reference !== undefined ? { reference: body.checkout_reference } : {}),
      });
    } catch (error) {
      if (!(error instanceof StateError)) throw error;
      return res.status(409).json({ error: error.code });
    }
    if (body.merchant_code !== undefined) checkout.merchantCode = body.merchant_code;
    res.json({ id: checkout.id, status: checkout.status });
  });
  // Every checkout with its transactions and refunds, as SumUp's records: what a chaos run
  // checks the money against.
  router.get('/checkouts', (_req, res) => {
    res.json(
      store.all().map((checkout) => ({
        id: checkout.id,
        reference: checkout.reference,
        status: checkout.status,
        amount_minor: checkout.amountMinor,
        currency: checkout.currency,
        transactions: checkout.transactions.map((t) => ({
          id: t.id,
          status: t.status,
          amount_minor: t.amountMinor,
          refunds_minor: t.refunds.map((r) => r.amountMinor),
        })),
      })),
    );
  });
  router.post('/checkouts/:id/pay', settle('pay'));
  router.post('/checkouts/:id/fail', settle('fail'));
  router.post('/checkouts/:id/expire', settle('expire'));

  router.post('/clock/advance', (req, res) => {
    const body = parsed(z.object({ ms: z.number().int().positive() }), req, res);
    if (!body) return;
    store.advanceClock(body.ms);
    res.json({ now: store.now().toISOString() });
  });

  router.get('/webhooks', (_req, res) => res.json(webhooks.log));
  router.put('/webhooks/behaviour', (req, res) => {
    const body = parsed(webhookBehaviourInput, req, res);
    if (!body) return;
    webhooks.configure(body);
    res.status(204).end();
  });
  router.post('/webhooks/release', (req, res) => {
    const body = parsed(z.object({ order: z.enum(['fifo', 'reverse']).default('fifo') }), req, res);
    if (!body) return;
    res.json({ released: webhooks.release(body.order) });
  });

  router.get('/faults', (_req, res) => res.json(faults.list()));
  router.post('/faults', (req, res) => {
    const body = parsed(faultRuleInput, req, res);
    if (!body) return;
    res.status(201).json(faults.add(body));
  });
  router.delete('/faults', (_req, res) => {
    faults.clear();
    res.status(204).end();
  });
  return router;
}
