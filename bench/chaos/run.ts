import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { and, count, eq, inArray } from 'drizzle-orm';
import { signShopperToken } from '../../api/shopper-token.ts';
import { connectDatabase } from '../../db/client.ts';
import { tickets, ticketTypes } from '../../db/schema/index.ts';
import { launchStack, type Stack } from '../../scripts/stack/launch.ts';
import { checkoutPayloadCodec, dataConverterWith } from '../../temporal/data-converter.ts';
import { freePort, freeStackPorts } from '../../test/harness/free-port.ts';
import { DEFAULT_TASK_QUEUE } from '../../workflows/shared.ts';
import { sweepPayments } from '../../workflows/sweep-payments.ts';
import { runConcurrently } from '../stats.ts';
import {
  eventViolations,
  moneyViolations,
  WAITING_FOR_OPS,
  type SumupRecord,
} from './invariants.ts';

export interface ChaosOptions {
  checkouts: number;
  /** Shoppers going through the shop at once. */
  concurrency: number;
  /** The worker is SIGKILLed once it has run this long since it last (re)started. */
  killEveryMs: number;
  /** The share of SumUp calls that fail (5xx, a reset, a late answer, created-then-error). */
  faultRate: number;
  /** How long a shopper has to pay (kept short, so that the run settles in minutes). */
  expiryMs: number;
  log: (line: string) => void;
}

export interface ChaosReport {
  checkouts: number;
  answers: Record<string, number>;
  paidAtSumup: number;
  refundedOrders: number;
  kills: Record<string, number>;
  sumupFaults: number;
  waitingForOps: number;
  sweeperFound: number;
  settleSeconds: number;
  /** Events written, each of which reached the subscriber (or is a violation). */
  eventsDelivered: number;
  totalSeconds: number;
  violations: string[];
}

/**
 * A bounded chaos run against the real stack: shoppers buy products, tickets and bookings
 * and pay (or decline, abandon, cancel, pay at the last second) while the worker is killed
 * every few seconds, the Temporal dev server and PostgreSQL are each killed once, about a
 * fifth of SumUp's answers fail, and the gig shrinks under them. Then, once it has settled,
 * the money invariant is checked against our database and SumUp's own records.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const dataDir = await mkdtemp(join(tmpdir(), 'rose-checkout-chaos-'));
  let stack: Stack | undefined;
  let gaveUp: string | undefined;
  try {
    stack = await launchStack({
      dataDir,
      ports: await freeStackPorts(),
      env: {
        LOG_LEVEL: 'warn',
        SUMUP_TIMEOUT_MS: '2000',
        CHECKOUT_EXPIRY_MS: String(options.expiryMs),
        // The sweeper runs once, at the end: what it finds then is what slipped through.
        PAYMENT_SWEEP_EVERY_MINUTES: '0',
      },
      // Killed on purpose, again and again: the stack restarts everything, whatever it costs.
      restartPolicy: { maxDeaths: 10_000, windowMs: 60_000, firstDelayMs: 200, maxDelayMs: 2_000 },
      onGiveUp: (name, why) => (gaveUp = `${name}: ${why}`),
      // Every event goes out to a subscriber, through the kills: none may be lost.
      demoSubscriberPort: await freePort(),
      step: (text) => options.log(text),
    });
    return await against(stack, options, started, join(dataDir, 'logs', 'subscriber.log'));
  } finally {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
    if (gaveUp) options.log(`the stack gave up on ${gaveUp}`);
  }
}

async function against(
  stack: Stack,
  options: ChaosOptions,
  started: number,
  subscriberLog: string,
) {
  const { log } = options;
  const database = connectDatabase(stack.databaseUrl, { max: 5, applicationName: 'chaos' });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const temporal = new Client({
    connection,
    dataConverter: dataConverterWith(
      checkoutPayloadCodec({ PAYLOAD_CODEC_KEYS: stack.secrets.payloadCodecKeys }),
    ),
  });
  const emulator = (path: string, init?: RequestInit) =>
    fetch(`${stack.urls.emulator}/_emulator${path}`, {
      ...init,
      headers: { 'content-type': 'application/json' },
    });
  try {
    // A gig with seats for about a third of the ticket buyers: some are refused, some lose
    // their seat to the shrink below while they pay, and are refunded.
    const seats = Math.max(2, Math.round(options.checkouts * 0.4 * 0.35));
    await database.db
      .update(ticketTypes)
      .set({ capacity: seats })
      .where(eq(ticketTypes.id, stack.shop.ticketTypeId));
    for (const kind of ['server-error', 'reset', 'created-then-error', 'latency'] as const) {
      await emulator('/faults', {
        method: 'POST',
        body: JSON.stringify({
          kind,
          // Each rule draws in turn: together they fail about `faultRate` of the calls.
          probability: 1 - (1 - options.faultRate) ** (1 / 4),
          ...(kind === 'latency' ? { delayMs: 2_500 } : {}),
        }),
      });
    }

    const kills = { worker: 0, temporal: 0, postgres: 0 };
    const kill = (name: 'worker' | 'temporal' | 'postgres') => {
      const pid = stack.processes[name].pid();
      if (pid === undefined) return;
      try {
        process.kill(pid, 'SIGKILL');
        kills[name] += 1;
      } catch {
        // Between two lives: the next kill will find it.
      }
    };
    let shopping = true;
    let finished = 0;
    let shrunk = false;
    const monkey = (async () => {
      const onceAt = { temporal: 0.3, postgres: 0.6 };
      const done = { temporal: false, postgres: false };
      // The worker gets `killEveryMs` of life after each restart before it is killed again:
      // killed on a fixed clock, it would spend the whole run starting up.
      let life = { pid: undefined as number | undefined, since: Date.now() };
      while (shopping) {
        await sleep(250);
        const pid = stack.processes.worker.pid();
        if (pid !== life.pid) life = { pid, since: Date.now() };
        if (pid !== undefined && Date.now() - life.since >= options.killEveryMs) kill('worker');
        // Each server is killed once however short the run: at the latest as it ends.
        const progress = shopping ? finished / options.checkouts : 1;
        for (const name of ['temporal', 'postgres'] as const) {
          if (!done[name] && progress >= onceAt[name]) {
            done[name] = true;
            log(`chaos: SIGKILL ${name} at ${Math.round(progress * 100)}%`);
            kill(name);
          }
        }
        if (progress >= 0.5 && !shrunk) {
          shrunk = true;
          // The organiser takes two seats away while shoppers are paying for them: never
          // below the tickets already confirmed (the admin API refuses that too), under the
          // ticket type's lock, which confirming takes as well.
          await database.db
            .transaction(async (tx) => {
              const typeId = stack.shop.ticketTypeId;
              await tx.select().from(ticketTypes).where(eq(ticketTypes.id, typeId)).for('update');
              const [{ confirmed } = { confirmed: 0 }] = await tx
                .select({ confirmed: count() })
                .from(tickets)
                .where(
                  and(
                    eq(tickets.ticketTypeId, typeId),
                    inArray(tickets.state, ['confirmed', 'checked_in']),
                  ),
                );
              await tx
                .update(ticketTypes)
                .set({ capacity: Math.max(confirmed, seats - 2) })
                .where(eq(ticketTypes.id, typeId));
            })
            .catch(() => (shrunk = false));
        }
      }
    })();
    const answers: Record<string, number> = {};
    const shop = shopper(stack, options, (outcome) => {
      answers[outcome] = (answers[outcome] ?? 0) + 1;
    });
    const run = `${process.pid}-${Date.now()}`;
    await runConcurrently(options.checkouts, options.concurrency, async (i) => {
      await shop(`chaos-${run}-${i}`, i);
      finished += 1;
      if (finished % 50 === 0) log(`chaos: ${finished} of ${options.checkouts} shoppers done`);
    });
    shopping = false;
    await monkey;
    const rules = (await (await emulator('/faults')).json()) as { hits: number }[];
    const sumupFaults = rules.reduce((sum, rule) => sum + rule.hits, 0);
    await emulator('/faults', { method: 'DELETE' });

    // Settling: every checkout reaches its end or a person's desk.
    const settleFrom = Date.now();
    const settled = async () => {
      // Temporal may still be coming back from its kill: that is not settled either.
      for await (const w of temporal.workflow.list({
        query: `TaskQueue = "${DEFAULT_TASK_QUEUE}" AND ExecutionStatus = "Running" AND CheckoutStatus NOT IN (${WAITING_FOR_OPS.map((s) => `"${s}"`).join(', ')})`,
      })) {
        void w;
        return false;
      }
      return true;
    };
    const settleBy = settleFrom + options.expiryMs + 5 * 60_000;
    while (!(await settled().catch(() => false)) && Date.now() < settleBy) await sleep(2_000);
    const settleSeconds = Math.round((Date.now() - settleFrom) / 1000);
    log(`chaos: settled in ${settleSeconds} s`);

    const sweep = await temporal.workflow.execute(sweepPayments, {
      workflowId: `chaos-sweep-${run}`,
      taskQueue: DEFAULT_TASK_QUEUE,
      args: [{ stalePendingMs: 0, batchSize: options.checkouts * 2 }],
    });
    const records = (await (await emulator('/checkouts')).json()) as SumupRecord[];
    const violations = await moneyViolations(database.db, records, temporal, DEFAULT_TASK_QUEUE);
    if (sweep.found > 0) violations.push(`the sweeper found ${sweep.found} unsettled orders`);
    const events = await eventViolations(database.db, subscriberLog);
    violations.push(...events.violations);
    let waitingForOps = 0;
    for await (const w of temporal.workflow.list({
      query: `ExecutionStatus = "Running" AND CheckoutStatus IN (${WAITING_FOR_OPS.map((s) => `"${s}"`).join(', ')})`,
    })) {
      void w;
      waitingForOps += 1;
    }
    return {
      checkouts: options.checkouts,
      answers,
      paidAtSumup: records.filter((r) => r.transactions.some((t) => t.status !== 'FAILED')).length,
      refundedOrders: records.filter((r) => r.transactions.some((t) => t.refunds_minor.length > 0))
        .length,
      kills,
      sumupFaults,
      waitingForOps,
      sweeperFound: sweep.found,
      settleSeconds,
      eventsDelivered: events.events,
      totalSeconds: Math.round((Date.now() - started) / 1000),
      violations,
    };
  } finally {
    await connection.close();
    await database.close();
  }
}

/**
 * One shopper, as a storefront drives the API: a cart (a product; for some a ticket or a
 * booking), the checkout (retried while the stack is down), then what shoppers do: pay,
 * decline and pay with another card, decline for good, abandon, cancel, or pay at the last
 * second. `note` counts how each one went.
 */
function shopper(stack: Stack, options: ChaosOptions, note: (outcome: string) => void) {
  const headers = async (userId: string) => ({
    authorization: `Bearer ${stack.secrets.serviceToken}`,
    'x-shopper-token': await signShopperToken(stack.secrets.shopperTokenSecret, { userId }),
    'content-type': 'application/json',
  });
  /** The storefront's call, retried while the API or the engine is restarting. */
  const call = async (userId: string, path: string, init: RequestInit = {}) => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${stack.urls.api}${path}`, {
        ...init,
        headers: await headers(userId),
      }).catch(() => undefined);
      if (res && res.status < 500) return res;
      if (attempt >= 20) return res;
      await sleep(500 * Math.min(attempt, 6));
    }
  };
  const control = async (hostedUrl: string, action: 'pay' | 'fail') => {
    const id = hostedUrl.split('/pay/c-')[1]!;
    const res = await fetch(`${stack.urls.emulator}/_emulator/checkouts/${id}/${action}`, {
      method: 'POST',
    }).catch(() => undefined);
    return res?.ok ?? false;
  };
  return async (userId: string, i: number) => {
    await call(userId, '/v1/cart/products', {
      method: 'POST',
      body: JSON.stringify({ productId: stack.shop.products[i % 3]!.id, quantity: 1 + (i % 2) }),
    });
    if (Math.random() < 0.4) {
      await call(userId, '/v1/cart/tickets', {
        method: 'POST',
        body: JSON.stringify({
          entryId: stack.shop.entryId,
          ticketTypeId: stack.shop.ticketTypeId,
        }),
      });
    }
    if (Math.random() < 0.15) {
      const at = new Date(Date.UTC(2030, 0, 1, 10) + i * 86_400_000);
      await call(userId, '/v1/cart/bookings', {
        method: 'POST',
        body: JSON.stringify({ slotId: stack.shop.slotId, startsAt: at.toISOString() }),
      });
    }
    const res = await call(userId, '/v1/checkouts', {
      method: 'POST',
      body: JSON.stringify({ pageId: stack.shop.pageId }),
    });
    if (!res) return note('no answer');
    const body = (await res.json().catch(() => ({}))) as {
      hostedCheckoutUrl?: string;
      code?: string;
    };
    if (res.status !== 200 || !body.hostedCheckoutUrl) return note(`${res.status} ${body.code}`);
    const url = body.hostedCheckoutUrl;
    const roll = Math.random();
    const within = (share: number) => sleep(Math.random() * options.expiryMs * share);
    if (roll < 0.55) {
      await within(0.7);
      note((await control(url, 'pay')) ? 'paid' : 'pay refused');
    } else if (roll < 0.65) {
      await within(0.3);
      await control(url, 'fail');
      await within(0.3);
      note((await control(url, 'pay')) ? 'declined, then paid' : 'pay refused');
    } else if (roll < 0.75) {
      await within(0.5);
      await control(url, 'fail');
      note('declined');
    } else if (roll < 0.8) {
      await within(0.5);
      await call(userId, `/v1/checkouts/${stack.shop.pageId}/cancel`, { method: 'POST' });
      note('cancelled');
    } else if (roll < 0.9) {
      // At the last second: the payment races the checkout's expiry.
      await sleep(options.expiryMs - 1_500 + Math.random() * 1_500);
      note((await control(url, 'pay')) ? 'paid at the last second' : 'too late');
    } else note('abandoned');
  };
}
