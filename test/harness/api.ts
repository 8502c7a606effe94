import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Response as ExpressResponse } from 'express';
import { createApp, type ApiDependencies } from '../../api/app.ts';
import { shopperTokenVerifier, signShopperToken } from '../../api/shopper-token.ts';
import type { Shopper } from '../../workflows/checkout-types.ts';
import { NO_PAYMENTS, testCredentialsKeys, type TestContext } from './context.ts';
import { ContractChecker } from './contract.ts';

export interface TestApi {
  url: string;
  /** Calls the API as the storefront does: service credential, and a shopper if given. */
  call: (
    path: string,
    init?: RequestInit & { shopper?: Shopper; service?: string },
  ) => Promise<Response>;
  /** A shopper token as the storefront would sign it. */
  sign: (shopper: Shopper) => Promise<string>;
  /** The HS256 secret shared with the storefront. */
  secret: string;
  /** Calls the admin API as the admin named `door` does (or `till`, another admin). */
  admin: (path: string, init?: RequestInit, as?: 'door' | 'till') => Promise<Response>;
  serviceToken: string;
  close(): Promise<void>;
}

/**
 * The real API app on a loopback port, on this test file's database and task queue; rate
 * limits and the metrics token as `options` say, else as in production.
 */
export async function startApi(
  ctx: TestContext,
  options: Partial<
    Pick<
      ApiDependencies,
      | 'rateLimits'
      | 'metricsToken'
      | 'returnPage'
      | 'codec'
      | 'trustProxy'
      | 'checkout'
      | 'catalogue'
      | 'log'
      | 'temporal'
    >
  > = {},
): Promise<TestApi> {
  const serviceToken = `svc-${randomUUID()}`;
  const shopperSecret = `shopper-secret-${randomUUID()}`;
  const adminTokens = { door: `admin-${randomUUID()}`, till: `admin-${randomUUID()}` };
  const app = createApp({
    db: ctx.database.db,
    temporal: ctx.temporal.client,
    taskQueue: ctx.taskQueue,
    auth: {
      serviceTokens: [serviceToken],
      shopperTokens: shopperTokenVerifier({ keys: { secret: shopperSecret } }),
      adminTokens: Object.entries(adminTokens).map(([name, token]) => ({ name, token })),
    },
    // Keys are sealed as the worker of the tests opens them; SumUp unreachable unless given.
    catalogue: {
      credentialsKeys: testCredentialsKeys,
      sumup: { host: NO_PAYMENTS.sumupHost, timeoutMs: NO_PAYMENTS.sumupTimeoutMs },
    },
    ...options,
  });
  // Every answer, whoever asked, is held to the published contract.
  const contract: { checker?: ContractChecker } = {};
  const broken: string[] = [];
  const checked = express();
  checked.use((req, res, next) => {
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ExpressResponse;
    const keep = (chunk: unknown) => {
      if (chunk !== undefined && typeof chunk !== 'function')
        chunks.push(Buffer.from(chunk as string));
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => (
      keep(chunk),
      write(chunk, ...rest)
    )) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => (
      keep(chunk),
      end(chunk, ...rest)
    )) as typeof res.end;
    res.on('finish', () => {
      try {
        contract.checker?.check(
          req.method,
          req.originalUrl,
          res.statusCode,
          String(res.get('content-type') ?? ''),
          Buffer.concat(chunks).toString(),
        );
      } catch (error) {
        broken.push((error as Error).message);
      }
    });
    next();
  });
  checked.use(app);
  const server = await new Promise<Server>((resolve) => {
    const listening = checked.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  contract.checker = new ContractChecker(
    (await (await fetch(`${url}/openapi.json`)).json()) as ConstructorParameters<
      typeof ContractChecker
    >[0],
  );
  return {
    url,
    sign: (shopper) => signShopperToken(shopperSecret, shopper),
    secret: shopperSecret,
    serviceToken,
    admin: (path, init = {}, as = 'door') =>
      fetch(`${url}${path}`, {
        ...init,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${adminTokens[as]}`,
          ...(init.headers as Record<string, string> | undefined),
        },
      }),
    call: async (path, init = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${init.service ?? serviceToken}`,
          ...(init.shopper
            ? { 'x-shopper-token': await signShopperToken(shopperSecret, init.shopper) }
            : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
      }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      if (broken.length) throw new Error(`The API broke its contract:\n${broken.join('\n')}`);
    },
  };
}
