import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app.ts';
import { signShopperToken } from '../../api/shopper-token.ts';
import type { Shopper } from '../../workflows/checkout-types.ts';
import type { TestContext } from './context.ts';

export interface TestApi {
  url: string;
  /** Calls the API as the storefront does: service credential, and a shopper if given. */
  call: (
    path: string,
    init?: RequestInit & { shopper?: Shopper; service?: string },
  ) => Promise<Response>;
  /** A shopper token as the storefront would sign it. */
  sign: (shopper: Shopper) => string;
  close(): Promise<void>;
}

/** The real API app on a loopback port, on this test file's database and task queue. */
export async function startApi(ctx: TestContext): Promise<TestApi> {
  const serviceToken = `svc-${randomUUID()}`;
  const shopperSecret = `shopper-secret-${randomUUID()}`;
  const app = createApp({
    db: ctx.database.db,
    temporal: ctx.temporal.client,
    taskQueue: ctx.taskQueue,
    auth: { serviceTokens: [serviceToken], shopperTokenSecret: shopperSecret },
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sign: (shopper) => signShopperToken(shopperSecret, shopper),
    call: (path, init = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${init.service ?? serviceToken}`,
          ...(init.shopper
            ? { 'x-shopper-token': signShopperToken(shopperSecret, init.shopper) }
            : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
      }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
