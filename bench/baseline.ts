import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, waitUntil } from '../scripts/stack/processes.ts';
import type { Stack } from '../scripts/stack/launch.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface SyncHandler {
  url: string;
  pid: number;
  /** A cart add, then the checkout: the hosted URL, or the status that refused it. */
  checkout(userId: string, productId: number, pageId: number): Promise<SyncAnswer>;
  close(): Promise<void>;
}

export interface SyncAnswer {
  status: number;
  orderId?: number;
  hostedCheckoutUrl?: string;
  /** Milliseconds from the checkout request to its answer (the cart add not counted). */
  checkoutMs: number;
}

/**
 * The synchronous handler (bench/sync-handler.ts) as its own process beside the stack, on
 * the stack's PostgreSQL and SumUp emulator, so that its CPU is counted as the stack's are.
 */
export async function startSyncHandler(stack: Stack): Promise<SyncHandler> {
  const handler = startProcess(
    'sync-handler',
    process.execPath,
    ['--import', 'tsx', 'bench/sync-handler.ts'],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: stack.databaseUrl,
        SUMUP_API_URL: stack.urls.emulator,
        CREDENTIALS_KEYS: stack.secrets.credentialsKeys,
      },
      logFile: join(tmpdir(), `rose-checkout-sync-handler-${process.pid}.log`),
    },
  );
  await waitUntil(handler, 'listening', () => handler.output().includes('sync handler listening'));
  const url = /listening on (\S+)/.exec(handler.output())![1]!;
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return {
    url,
    pid: handler.pid!,
    async checkout(userId, productId, pageId) {
      const added = await post('/cart/products', { userId, productId });
      if (!added.ok) throw new Error(`sync cart add answered ${added.status}`);
      await added.arrayBuffer();
      const t0 = performance.now();
      const res = await post('/checkouts', { userId, pageId });
      const body = (await res.json()) as { orderId?: number; hostedCheckoutUrl?: string };
      return { status: res.status, ...body, checkoutMs: performance.now() - t0 };
    },
    close: () => handler.stop(),
  };
}
