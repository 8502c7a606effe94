import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './harness/free-port.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const started: Stack[] = [];
let dataDir: string | undefined;
afterAll(async () => {
  // Still running means the test failed midway: say what the stack printed, and stop it as
  // Ctrl-C does, so that none of its processes outlives the run (SIGKILL only if it hangs).
  for (const stack of started.filter((s) => s.child.exitCode === null)) {
    console.error(`npm start output:\n${stack.output().slice(-4000)}`);
    const stopped = stopStack(stack);
    const timer = setTimeout(() => stack.child.kill('SIGKILL'), 30_000);
    await stopped;
    clearTimeout(timer);
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Stack {
  child: ChildProcess;
  output: () => string;
  env: Record<string, string>;
}

/** `npm start` as a newcomer runs it, on free ports and a data folder of its own. */
async function startStack(dir: string, ports: Record<string, number>): Promise<Stack> {
  // Node itself with tsx as its loader: signals reach start.ts, not a launcher above it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ROSE_DATA_DIR: dir,
      PORT: String(ports.api),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      SUMUP_EMULATOR_PORT: String(ports.emulator),
      EMBEDDED_PG_PORT: String(ports.postgres),
      WORKER_METRICS_PORT: String(ports.metrics),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  started.push({ child, output: () => output, env: {} });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => output.includes('stack ready') && resolve());
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  const env = Object.fromEntries(
    (await readFile(join(dir, 'stack.env'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map(
        (line) =>
          line
            .replace(/^export /, '')
            .split(/=(.*)/s)
            .slice(0, 2) as [string, string],
      ),
  );
  return { child, output: () => output, env };
}

const stopStack = (stack: Stack) =>
  new Promise<number | null>((resolve) => {
    stack.child.once('exit', (code) => resolve(code));
    stack.child.kill('SIGINT');
  });

const portClosed = async (port: number) => {
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    return false;
  } catch {
    return true;
  }
};

describe('npm start', () => {
  it('comes up from an empty data folder, takes a scripted checkout, stops everything, and keeps the data', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rose-checkout-test-start-'));
    const ports = {
      api: await freePort(),
      temporal: await freePort(),
      ui: await freePort(),
      emulator: await freePort(),
      postgres: await freePort(),
      metrics: await freePort(),
    };
    const stack = await startStack(dataDir, ports);
    expect(stack.output()).toContain('demo shop seeded');
    expect(stack.output()).toContain(`Temporal UI      http://127.0.0.1:${ports.ui}`);
    const { env } = stack;
    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${env.ROSE_API}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${env.ROSE_SERVICE_TOKEN}`,
          'x-shopper-token': env.ROSE_SHOPPER!,
          'content-type': 'application/json',
        },
      });

    // The walkthrough, scripted: a mug and a ticket, check out, pay on the emulator.
    await call('/v1/cart/products', {
      method: 'POST',
      body: JSON.stringify({ productId: Number(env.ROSE_PRODUCT), quantity: 2 }),
    });
    await call('/v1/cart/tickets', {
      method: 'POST',
      body: JSON.stringify({
        entryId: Number(env.ROSE_ENTRY),
        ticketTypeId: Number(env.ROSE_TICKET_TYPE),
      }),
    });
    const checkout = (await (
      await call('/v1/checkouts', {
        method: 'POST',
        body: JSON.stringify({ pageId: Number(env.ROSE_PAGE) }),
      })
    ).json()) as { orderId: number; status: string; hostedCheckoutUrl: string; totalMinor: number };
    expect([checkout.status, checkout.totalMinor]).toEqual(['awaiting_payment', 2 * 850 + 1200]);
    expect(checkout.hostedCheckoutUrl.startsWith(env.ROSE_EMULATOR!)).toBe(true);
    const paid = await fetch(
      `${env.ROSE_EMULATOR}/_emulator/checkouts/${checkout.hostedCheckoutUrl.split('/pay/c-')[1]}/pay`,
      { method: 'POST' },
    );
    expect(paid.status).toBe(200);
    const status = async () =>
      ((await (await call(`/v1/checkouts/${env.ROSE_PAGE}`)).json()) as { status: string }).status;
    await expect.poll(status, { timeout: 15_000 }).toBe('paid');

    // Ctrl-C: everything it started stops, and nothing is left listening.
    expect(await stopStack(stack)).toBe(0);
    for (const port of [ports.api, ports.ui, ports.emulator, ports.metrics]) {
      expect(await portClosed(port), `port ${port}`).toBe(true);
    }
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    // Started again: the same shop, the paid order still there.
    const again = await startStack(dataDir, ports);
    expect(again.output()).toContain('demo shop found');
    const orders = (await (await call('/v1/orders')).json()) as {
      orders: { orderId: number; status: string }[];
    };
    expect(orders.orders.map((o) => [o.orderId, o.status])).toEqual([[checkout.orderId, 'paid']]);
    expect(await stopStack(again)).toBe(0);
  }, 240_000);
});
