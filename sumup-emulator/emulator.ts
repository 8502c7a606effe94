import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { apiRoutes } from './api-routes.ts';
import { CONTROL_PREFIX, controlRoutes } from './control.ts';
import { sendError } from './errors.ts';
import { Faults } from './faults.ts';
import { hostedPage } from './hosted-page.ts';
import { EmulatorStore, type Account } from './store.ts';
import { Webhooks } from './webhooks.ts';

/** One answer of the emulated SumUp API, as a contract test sees it. */
export interface ObservedResponse {
  method: string;
  /** The route as declared, e.g. `/v0.1/checkouts/:id`; undefined for unmatched paths. */
  route: string | undefined;
  status: number;
  contentType: string | undefined;
  body: string;
  /** Set when an injected fault shaped this answer. */
  fault?: string;
}

export interface EmulatorOptions {
  port?: number;
  host?: string;
  accounts: Account[];
  /** Divides SumUp's webhook retry schedule (1 min … 2 h). */
  webhookCompression?: number;
  /** Base of hosted_checkout_url; defaults to the address the server listens on. */
  publicUrl?: string;
  onApiResponse?: (response: ObservedResponse) => void;
}

export interface RunningEmulator {
  url: string;
  store: EmulatorStore;
  webhooks: Webhooks;
  faults: Faults;
  close(): Promise<void>;
}

/** A stateful stand-in for SumUp's API, hosted checkout page and webhooks. */
export async function startSumupEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const store = new EmulatorStore(options.accounts);
  const webhooks = new Webhooks({ compression: options.webhookCompression ?? 1 });
  const faults = new Faults();
  store.onStatusChange((checkout) => webhooks.statusChanged(checkout));
  let publicUrl = options.publicUrl ?? '';

  const app = express();
  app.disable('x-powered-by');
  app.use(CONTROL_PREFIX, express.json(), controlRoutes(store, webhooks, faults));
  app.use(hostedPage(store));

  const api = express.Router();
  if (options.onApiResponse) api.use(observe(options.onApiResponse));
  api.use(express.json({ limit: '64kb' }));
  api.use(apiRoutes({ store, faults, publicUrl: () => publicUrl }));
  api.use((_req, res) => sendError(res, 404, 'NOT_FOUND', 'Resource not found'));
  api.use(apiErrors);
  app.use(api);

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address}:${port}`;
  publicUrl ||= url;

  return {
    url,
    store,
    webhooks,
    faults,
    async close() {
      await webhooks.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Malformed or oversized JSON gets SumUp's validation body, never a stack trace. */
function apiErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  const status = (error as { status?: number }).status;
  if (status === 400 || status === 413 || status === 415) {
    res.status(status).json({ message: 'Validation error', error_code: 'INVALID', param: 'body' });
    return;
  }
  console.error('sumup emulator:', error);
  sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
}

function observe(onResponse: (response: ObservedResponse) => void) {
  return (req: Request, res: Response, next: NextFunction) => {
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      onResponse({
        method: req.method,
        route: (req.route as { path?: string } | undefined)?.path,
        status: res.statusCode,
        contentType: res.get('content-type'),
        body: typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString() : '',
        ...(typeof res.locals.fault === 'string' ? { fault: res.locals.fault } : {}),
      });
      return send(body);
    };
    next();
  };
}
