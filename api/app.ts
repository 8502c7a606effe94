import type { Client } from '@temporalio/client';
import express from 'express';
import type { Database } from '../db/client.ts';
import { requireShopper, type AuthSettings } from './auth.ts';
import { ApiProblem, problemHandler } from './problem.ts';
import { cartRoutes } from './routes/cart.ts';
import { checkoutRoutes } from './routes/checkouts.ts';
import { healthRoutes } from './routes/health.ts';
import { sumupWebhookRoutes } from './routes/sumup-webhook.ts';

export interface ApiDependencies {
  db: Database;
  temporal: Client;
  taskQueue: string;
  auth: AuthSettings;
}

/** The HTTP API: validate, authorise, then read the database or start and signal workflows. */
export function createApp(deps: ApiDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    });
    next();
  });
  app.use(healthRoutes(deps.db, deps.temporal));
  // SumUp authenticates nothing: the webhook is public and trusts nothing it is told.
  app.use(sumupWebhookRoutes(deps.db, deps.temporal, deps.taskQueue));

  const storefront = express.Router();
  storefront.use(requireShopper(deps.auth));
  storefront.use((req, _res, next) => {
    const hasBody = req.method !== 'GET' && Number(req.get('content-length') ?? 0) > 0;
    if (hasBody && !req.is('application/json')) {
      return next(new ApiProblem(415, 'unsupported_media_type', 'Send application/json.'));
    }
    next();
  });
  storefront.use(express.json({ limit: '16kb' }));
  storefront.use(cartRoutes(deps.db, deps.auth.shopperTokenSecret));
  storefront.use(checkoutRoutes(deps.temporal, deps.taskQueue));
  app.use(storefront);

  app.use((_req, _res, next) => next(new ApiProblem(404, 'not_found', 'No such resource.')));
  app.use(problemHandler);
  return app;
}
