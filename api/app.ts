import type { Client } from '@temporalio/client';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import { codecServer, type CodecServerSettings } from '../temporal/codec-server.ts';
import { adminOf, requireAdmin, requireShopper, type AuthSettings } from './auth.ts';
import { auditAdmin } from './audit.ts';
import { adminEndpoints } from './routes/admin.ts';
import { availabilityEndpoints } from './routes/availability.ts';
import { catalogueEndpoints, type CatalogueSettings } from './routes/catalogue.ts';
import { methodNotAllowed, routerOf, type Endpoint } from './endpoint.ts';
import { createMetrics } from './metrics.ts';
import { buildOpenApi } from './openapi.ts';
import { ApiProblem, problemHandler } from './problem.ts';
import { idempotency } from './idempotency.ts';
import { requestLog } from './request-log.ts';
import { DEFAULT_RATE_LIMITS, rateLimiter, type RateLimitSettings } from './rate-limit.ts';
import { cartEndpoints } from './routes/cart.ts';
import { checkoutEndpoints, type CheckoutSettings } from './routes/checkouts.ts';
import { docsEndpoints } from './routes/docs.ts';
import { fragmentEndpoints } from './routes/fragments.ts';
import { healthEndpoints } from './routes/health.ts';
import { orderEndpoints, type ReturnPageSettings } from './routes/orders.ts';
import { sumupWebhookEndpoints } from './routes/sumup-webhook.ts';

export interface ApiDependencies {
  db: Database;
  temporal: Client;
  taskQueue: string;
  auth: AuthSettings;
  /** Per client IP; `DEFAULT_RATE_LIMITS` when absent. */
  rateLimits?: RateLimitSettings;
  /** When set, `GET /metrics` wants `Authorization: Bearer <token>`; open otherwise. */
  metricsToken?: string;
  returnPage?: ReturnPageSettings;
  /** How many proxies stand in front: rate limits then key on the client, not the proxy. */
  trustProxy?: number;
  /** A JSON line per request; none when absent (tests). */
  log?: Logger;
  checkout?: CheckoutSettings;
  /** The payload codec server for the Temporal UI; mounted only when payloads are encrypted. */
  codec?: CodecServerSettings | undefined;
  /** The admin catalogue: where SumUp keys are checked, and the keys that seal them. */
  catalogue?: CatalogueSettings;
}

/** The contract's version; the package's own version moves with every release. */
export const API_VERSION = '1.0.0';

/** The HTTP API: validate, authorise, then read the database or start and signal workflows. */
export function createApp(deps: ApiDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 0);
  const metrics = createMetrics({ token: deps.metricsToken });
  const limits: RateLimitSettings = deps.rateLimits ?? DEFAULT_RATE_LIMITS;
  const pool = deps.db.$client;
  const webhookLimit = [rateLimiter(pool, 'webhook', limits.webhook)];
  const publicLimit = [rateLimiter(pool, 'public', limits.public)];

  const served: Endpoint[] = [
    ...healthEndpoints(deps.db, deps.temporal),
    ...sumupWebhookEndpoints(
      deps.db,
      deps.temporal,
      deps.taskQueue,
      webhookLimit,
      deps.checkout?.refundRetry,
    ),
    ...cartEndpoints(deps.db, deps.auth.shopperTokens),
    ...checkoutEndpoints(
      deps.db,
      deps.temporal,
      deps.taskQueue,
      metrics.checkoutStarted,
      deps.checkout,
    ),
    ...orderEndpoints(
      deps.db,
      deps.temporal,
      deps.taskQueue,
      publicLimit,
      deps.returnPage,
      deps.checkout?.refundRetry,
    ),
    ...fragmentEndpoints(deps.db),
    ...availabilityEndpoints(deps.db, publicLimit),
    ...adminEndpoints(deps.db, deps.temporal, deps.taskQueue),
    ...catalogueEndpoints(
      deps.db,
      deps.catalogue ?? {
        credentialsKeys: undefined,
        sumup: { host: 'https://api.sumup.com', timeoutMs: 10_000 },
      },
    ),
    metrics.endpoint,
  ];
  // The docs describe themselves too, so they read the document once it exists.
  const contract: { document?: ReturnType<typeof buildOpenApi> } = {};
  const endpoints = [...served, ...docsEndpoints(() => contract.document!)];
  contract.document = buildOpenApi(endpoints, API_VERSION);

  app.use(metrics.middleware);
  if (deps.log) app.use(requestLog(deps.log));
  // helmet's headers; a JSON API loads nothing, so its CSP allows nothing (an HTML page
  // sets its own, which allows its one stylesheet: api/html.ts).
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  app.use(routerOf(endpoints.filter((e) => e.spec.access === 'public')));

  // Temporal's protocol, not ours: outside the endpoints and their OpenAPI document.
  if (deps.codec) app.use(codecServer(deps.codec));
  app.use(methodNotAllowed(endpoints));

  // A JSON body, and only JSON, for the storefront and the admin API alike.
  const jsonBody: express.RequestHandler[] = [
    (req, _res, next) => {
      const hasBody = req.method !== 'GET' && Number(req.get('content-length') ?? 0) > 0;
      if (hasBody && !req.is('application/json')) {
        return next(new ApiProblem(415, 'unsupported_media_type', 'Send application/json.'));
      }
      next();
    },
    express.json({ limit: '16kb' }),
  ];

  // The admin API: every answer audited, the refusals of a credential included.
  const admin = express.Router();
  admin.use(auditAdmin(deps.db), requireAdmin(deps.auth), ...jsonBody);
  // An admin's keys are the credential's own: two admins' same key are two requests.
  const adminKeys = idempotency(deps.db, {
    owner: (res) => `admin:${adminOf(res)}`,
    required: true,
  });
  admin.use(
    routerOf(
      endpoints.filter((e) => e.spec.access === 'admin'),
      adminKeys,
    ),
  );
  admin.use((_req, _res, next) => next(new ApiProblem(404, 'not_found', 'No such resource.')));
  // Only its own paths pass through its credential and its audit.
  app.use((req, res, next) => (req.path.startsWith('/v1/admin/') ? admin(req, res, next) : next()));

  const storefront = express.Router();
  storefront.use(requireShopper(deps.auth), ...jsonBody);
  storefront.use(idempotency(deps.db));
  storefront.use(routerOf(endpoints.filter((e) => e.spec.access === 'shopper')));
  app.use(storefront);

  app.use((_req, _res, next) => next(new ApiProblem(404, 'not_found', 'No such resource.')));
  app.use(problemHandler);
  return app;
}
