import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './harness/free-port.ts';

// `npm start` as a newcomer runs it: one data folder, its own ports, driven from the shell
// through `.data/stack.env` and `npm run shopper-token`, stopped with Ctrl-C. The tests run
// in order against the same data folder: first start, restart, crashes, and a stop mid-drain.

const root = fileURLToPath(new URL('..', import.meta.url));
const started: Stack[] = [];
let dataDir: string;
let ports: Record<
  'api' | 'temporal' | 'ui' | 'emulator' | 'postgres' | 'metrics' | 'subscriber',
  number
>;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rose-checkout-test-start-'));
  ports = {
    api: await freePort(),
    temporal: await freePort(),
    ui: await freePort(),
    emulator: await freePort(),
    postgres: await freePort(),
    metrics: await freePort(),
    subscriber: await freePort(),
  };
});
afterAll(async () => {
  // Still running means a test failed midway: say what the stack printed, and stop it as
  // Ctrl-C does, so that none of its processes outlives the run (SIGKILL only if it hangs).
  for (const stack of started.filter((s) => s.child.exitCode === null)) {
    console.error(`npm start output:\n${stack.output().slice(-4000)}`);
    const stopped = ctrlC(stack);
    const timer = setTimeout(() => stack.child.kill('SIGKILL'), 30_000);
    await stopped;
    clearTimeout(timer);
  }
  for (const { pid } of stackProcesses()) process.kill(pid, 'SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Stack {
  child: ChildProcess;
  output: () => string;
  env: Record<string, string>;
}

/** `npm start` on free ports and the test's data folder, in a process group as a terminal runs it. */
async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  // Node itself with tsx as its loader: signals reach start.ts, not a launcher above it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ROSE_DATA_DIR: dataDir,
      PORT: String(ports.api),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      SUMUP_EMULATOR_PORT: String(ports.emulator),
      EMBEDDED_PG_PORT: String(ports.postgres),
      WORKER_METRICS_PORT: String(ports.metrics),
      DEMO_SUBSCRIBER_PORT: String(ports.subscriber),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const stack: Stack = { child, output: () => output, env: {} };
  started.push(stack);
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => output.includes('stack ready') && resolve());
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  stack.env = Object.fromEntries(
    (await readFile(join(dataDir, 'stack.env'), 'utf8'))
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
  return stack;
}

/** Ctrl-C in the terminal: SIGINT to the whole foreground process group. */
const ctrlC = (stack: Stack) =>
  new Promise<number | null>((resolve) => {
    if (stack.child.exitCode !== null) return resolve(stack.child.exitCode);
    stack.child.once('exit', (code) => resolve(code));
    process.kill(-stack.child.pid!, 'SIGINT');
  });

/** Every live process started for this data folder: they all inherit ROSE_DATA_DIR. */
function stackProcesses(): { pid: number; command: string }[] {
  if (!dataDir) return [];
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(`ROSE_DATA_DIR=${dataDir}`)) continue;
      // A zombie (ended, not yet reaped) holds nothing: only the living count.
      if (/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      found.push({ pid: Number(entry), command });
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}
const pidOf = (entry: string) => {
  const matching = stackProcesses().filter(({ command }) => command.includes(entry));
  expect(matching, `one process runs ${entry}`).toHaveLength(1);
  return matching[0]!.pid;
};

const shopperToken = async (shopper: string) =>
  (
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/shopper-token.ts', shopper],
      { cwd: root, env: { ...process.env, ROSE_DATA_DIR: dataDir, SHOPPER_TOKEN_SECRET: '' } },
    )
  ).stdout.trim();

/** The storefront's calls, as README's "Try it" makes them with curl. */
function storefront(env: Record<string, string>, shopper: string) {
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${env.ROSE_API}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${env.ROSE_SERVICE_TOKEN}`,
        'x-shopper-token': shopper,
        'content-type': 'application/json',
      },
    });
  return {
    call,
    addProduct: (quantity: number) =>
      call('/v1/cart/products', {
        method: 'POST',
        body: JSON.stringify({ productId: Number(env.ROSE_PRODUCT), quantity }),
      }),
    checkOut: () =>
      call('/v1/checkouts', {
        method: 'POST',
        body: JSON.stringify({ pageId: Number(env.ROSE_PAGE) }),
      }),
    status: async () =>
      ((await (await call(`/v1/checkouts/${env.ROSE_PAGE}`)).json()) as { status: string }).status,
  };
}

type CheckoutAnswer = {
  orderId: number;
  status: string;
  hostedCheckoutUrl: string;
  totalMinor: number;
};
const pay = (env: Record<string, string>, checkout: CheckoutAnswer) =>
  fetch(
    `${env.ROSE_EMULATOR}/_emulator/checkouts/${checkout.hostedCheckoutUrl.split('/pay/c-')[1]}/pay`,
    { method: 'POST' },
  );

const portClosed = async (port: number) => {
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    return false;
  } catch {
    return true;
  }
};

describe('npm start', () => {
  let paidOrderId: number;

  it('comes up from an empty data folder, takes a scripted checkout, stops everything, and keeps the data', async () => {
    // With the demo subscriber, which logs the events it receives.
    const stack = await startStack({ ROSE_DEMO_SUBSCRIBER: '1' });
    expect(stack.output()).toContain('demo shop seeded');
    expect(stack.output()).toContain(`Temporal UI      http://127.0.0.1:${ports.ui}`);
    const { env } = stack;
    const shop = storefront(env, env.ROSE_SHOPPER!);

    // The walkthrough, scripted: a mug and a ticket, check out, pay on the emulator.
    await shop.addProduct(2);
    await shop.call('/v1/cart/tickets', {
      method: 'POST',
      body: JSON.stringify({
        entryId: Number(env.ROSE_ENTRY),
        ticketTypeId: Number(env.ROSE_TICKET_TYPE),
      }),
    });
    const checkout = (await (await shop.checkOut()).json()) as CheckoutAnswer;
    expect([checkout.status, checkout.totalMinor]).toEqual(['awaiting_payment', 2 * 850 + 1200]);
    expect(checkout.hostedCheckoutUrl.startsWith(env.ROSE_EMULATOR!)).toBe(true);
    expect((await pay(env, checkout)).status).toBe(200);
    await expect.poll(shop.status, { timeout: 15_000 }).toBe('paid');
    paidOrderId = checkout.orderId;
    // order.paid reached the demo subscriber, signed: it logged it.
    const received = () => readFileSync(join(dataDir, 'logs', 'subscriber.log'), 'utf8');
    await expect
      .poll(received, { timeout: 10_000 })
      .toContain(`"type":"order.paid","orderId":${paidOrderId}`);
    expect(received()).not.toContain('"msg":"refused"');

    // Ctrl-C: everything it started stops, and nothing is left listening.
    expect(await ctrlC(stack)).toBe(0);
    for (const port of [ports.api, ports.ui, ports.emulator, ports.metrics, ports.subscriber]) {
      expect(await portClosed(port), `port ${port}`).toBe(true);
    }
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(stackProcesses()).toEqual([]);
  }, 240_000);

  it('starts again with the data kept, and its stack.env and shopper-token script the stack from a shell', async () => {
    const stack = await startStack();
    expect(stack.output()).toContain('demo shop found');
    // A token made by `npm run shopper-token` for the shopper who paid reads their orders.
    const shop = storefront(stack.env, await shopperToken('user:demo'));
    const orders = (await (await shop.call('/v1/orders')).json()) as {
      orders: { orderId: number; status: string }[];
    };
    expect(orders.orders.map((o) => [o.orderId, o.status])).toEqual([[paidOrderId, 'paid']]);
    // DATABASE_URL reaches the stack's own database.
    const database = new pg.Client({ connectionString: stack.env.DATABASE_URL });
    await database.connect();
    try {
      const { rows } = await database.query('SELECT status FROM orders WHERE id = $1', [
        paidOrderId,
      ]);
      expect(rows).toEqual([{ status: 'paid' }]);
    } finally {
      await database.end();
    }
  }, 240_000);

  it('restarts a worker and an API killed with SIGKILL, keeps the rest running, and a checkout afterwards is paid', async () => {
    const stack = started.at(-1)!;
    const others = ['postgres', 'temporal server', 'sumup-emulator/main.ts'].map(pidOf);
    process.kill(pidOf('worker/main.ts'), 'SIGKILL');
    process.kill(pidOf('api/main.ts'), 'SIGKILL');
    await expect
      .poll(() => /worker restarted/.test(stack.output()) && /api restarted/.test(stack.output()), {
        timeout: 30_000,
      })
      .toBe(true);
    expect(stack.output()).toMatch(/worker stopped unexpectedly \(signal SIGKILL\); restarting it/);
    expect(readFileSync(join(dataDir, 'logs', 'stack.log'), 'utf8')).toContain('api restarted');

    const shop = storefront(stack.env, await shopperToken('user:after-crash'));
    // The API comes back on its own: the storefront retries until it answers.
    await expect
      .poll(async () => (await shop.addProduct(1).catch(() => undefined))?.status, {
        timeout: 30_000,
      })
      .toBe(201);
    const answer = await shop.checkOut();
    expect(answer.status).toBe(200);
    const checkout = (await answer.json()) as CheckoutAnswer;
    expect(checkout.hostedCheckoutUrl.startsWith(stack.env.ROSE_EMULATOR!)).toBe(true);
    expect((await pay(stack.env, checkout)).status).toBe(200);
    await expect.poll(shop.status, { timeout: 15_000 }).toBe('paid');
    expect(['postgres', 'temporal server', 'sumup-emulator/main.ts'].map(pidOf)).toEqual(others);
  }, 120_000);

  it('leaves no process behind when Ctrl-C comes while the worker drains a checkout', async () => {
    const stack = started.at(-1)!;
    const { env } = stack;
    const shop = storefront(env, await shopperToken('user:draining'));
    expect((await shop.addProduct(1)).status).toBe(201);
    // SumUp answers slowly: the checkout's creation is in flight in the worker at Ctrl-C.
    const fault = await fetch(`${env.ROSE_EMULATOR}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'latency', delayMs: 30_000, route: 'POST /v0.1/checkouts' }),
    });
    expect(fault.status).toBe(201);
    const inFlight = shop.checkOut().catch(() => undefined);
    await expect
      .poll(
        async () => {
          const rules = (await (await fetch(`${env.ROSE_EMULATOR}/_emulator/faults`)).json()) as {
            hits: number;
          }[];
          return rules[0]?.hits;
        },
        { timeout: 15_000 },
      )
      .toBe(1);

    expect(await ctrlC(stack)).toBe(0);
    await inFlight;
    // Stopping is not dying: nothing is restarted on the way down.
    const [, afterCtrlC] = stack.output().split('stopping (Ctrl-C again');
    expect(afterCtrlC).toBeDefined();
    expect(afterCtrlC).not.toContain('restarting');
    expect(stackProcesses()).toEqual([]);
  }, 120_000);
});
