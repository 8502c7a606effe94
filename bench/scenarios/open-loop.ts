import type { BenchContext, Figures, ScenarioResult } from '../context.ts';
import { startSyncHandler, type SyncHandler } from '../baseline.ts';
import { paidWatcher } from '../paid-watcher.ts';
import { percentile, round } from '../stats.ts';

type Side = 'workflow' | 'sync';

interface Step {
  side: Side;
  rate: number;
  arrivals: number;
  paid: number;
  /** Time to hosted URL: from the checkout request to its answer. */
  p50Ms: number;
  p99Ms: number;
  /** From the first arrival until the last checkout was paid. */
  elapsedS: number;
  /** CPU milliseconds per checkout, by process. */
  cpuMsPerCheckout: Record<string, number>;
  sustained: boolean;
}

// What a process costs per checkout on each side. The emulator stands in for SumUp and the
// bench is the shoppers: neither side's cost.
const WORKFLOW_OURS = ['api', 'worker', 'postgres'];
const TEMPORAL = ['temporal', 'temporalPostgres'];
const SYNC_WHOLE = ['sync', 'postgres'];

/**
 * P6, open loop: shoppers arrive at a fixed rate, whether or not earlier ones are done, as
 * they do in a shop. Each adds a product, checks out, pays on SumUp's page (the emulator) and
 * is done when the order is paid. The same arrivals go through the workflow stack and
 * through the synchronous handler (bench/sync-handler.ts), each rate in turn, and each side
 * stops at the first rate it cannot keep: a p99 to the hosted URL of 1 s or more, or a
 * checkout not paid by the end of the step.
 */
export async function openLoop(
  ctx: BenchContext,
  options: { rates: number[]; seconds: number; drainSeconds: number },
): Promise<ScenarioResult> {
  const { stack, api, db } = ctx;
  const pageId = stack.shop.pageId;
  const productId = stack.shop.products[0]!.id;
  const paid = paidWatcher(db);
  const sync = await startSyncHandler(stack);
  const steps: Step[] = [];
  try {
    for (const side of ['workflow', 'sync'] as const) {
      for (const rate of options.rates) {
        const step = await runStep(side, rate);
        steps.push(step);
        ctx.log(
          `P6 ${side} ${rate}/s: hosted URL p50 ${step.p50Ms} / p99 ${step.p99Ms} ms, ` +
            `${step.paid}/${step.arrivals} paid in ${step.elapsedS} s`,
        );
        if (!step.sustained) break;
      }
    }
  } finally {
    await sync.close();
  }

  async function runStep(side: Side, rate: number): Promise<Step> {
    const arrivals = Math.round(rate * options.seconds);
    const prefix = `p6-${side}-${rate}-${process.pid}`;
    const latencies: number[] = [];
    let done = 0;
    const arrive = async (i: number) => {
      const userId = `${prefix}-${i}`;
      const started = side === 'workflow' ? await viaWorkflow(userId) : await viaSync(sync, userId);
      latencies.push(started.checkoutMs);
      if (started.status !== 200 || !started.hostedCheckoutUrl) {
        throw new Error(`${side} checkout answered ${started.status}`);
      }
      await api.pay(started.hostedCheckoutUrl);
      if ((await paid(started.orderId!)) === 'paid') done++;
    };
    const cpuBefore = ctx.cpuSeconds({ sync: sync.pid });
    const t0 = performance.now();
    const all: Promise<void>[] = [];
    // Arrivals on a fixed schedule: a slow answer never delays the next shopper.
    await new Promise<void>((resolve) => {
      let i = 0;
      const next = () => {
        while (i < arrivals && performance.now() - t0 >= (i * 1000) / rate) {
          all.push(arrive(i++).catch((error: unknown) => ctx.log(String(error))));
        }
        if (i >= arrivals) resolve();
        else setTimeout(next, Math.max(0, (i * 1000) / rate - (performance.now() - t0)));
      };
      next();
    });
    const limit = new Promise((resolve) => setTimeout(resolve, options.drainSeconds * 1000));
    await Promise.race([Promise.all(all), limit]);
    const elapsedS = (performance.now() - t0) / 1000;
    const cpuAfter = ctx.cpuSeconds({ sync: sync.pid });
    // Whatever was still running is let finish, so that the next step starts clean.
    await Promise.all(all);
    const p99Ms = round(percentile(latencies, 99));
    return {
      side,
      rate,
      arrivals,
      paid: done,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms,
      elapsedS: round(elapsedS),
      cpuMsPerCheckout: Object.fromEntries(
        Object.keys(cpuAfter)
          .filter((name) => name !== 'bench' && name !== 'subscriber')
          .map((name) => [
            name,
            round(((cpuAfter[name]! - (cpuBefore[name] ?? 0)) * 1000) / arrivals),
          ]),
      ),
      sustained: done === arrivals && p99Ms < 1000,
    };
  }

  async function viaWorkflow(userId: string) {
    const shopper = { userId };
    const added = await api.call('/v1/cart/products', shopper, {
      method: 'POST',
      body: JSON.stringify({ productId, quantity: 1 }),
    });
    if (!added.ok) throw new Error(`cart add answered ${added.status}`);
    await added.arrayBuffer();
    const t = performance.now();
    const started = await api.startCheckout(shopper, pageId);
    return { ...started, checkoutMs: performance.now() - t };
  }

  function viaSync(handler: SyncHandler, userId: string) {
    return handler.checkout(userId, productId, pageId);
  }

  const sum = (step: Step, names: string[]) =>
    names.reduce((total, name) => total + (step.cpuMsPerCheckout[name] ?? 0), 0);
  const highest = (side: Side) =>
    Math.max(0, ...steps.filter((s) => s.side === side && s.sustained).map((s) => s.rate));
  const at = (side: Side, rate: number) => steps.find((s) => s.side === side && s.rate === rate);
  // CPU is compared at the highest rate both sides kept: the same load on both.
  const common = Math.min(highest('workflow'), highest('sync'));
  const workflowAtCommon = at('workflow', common);
  const syncAtCommon = at('sync', common);
  const ours = workflowAtCommon ? sum(workflowAtCommon, WORKFLOW_OURS) : NaN;
  const temporal = workflowAtCommon ? sum(workflowAtCommon, TEMPORAL) : NaN;
  const syncWhole = syncAtCommon ? sum(syncAtCommon, SYNC_WHOLE) : NaN;
  const worker = workflowAtCommon?.cpuMsPerCheckout.worker ?? NaN;
  const tenPerSecond = at('workflow', 10);

  const figures: Figures = {
    engine: ctx.engine,
    highestRateWorkflow: highest('workflow'),
    highestRateSync: highest('sync'),
    comparedAtRate: common,
    cpuMsOursPerCheckout: round(ours),
    cpuMsTemporalPerCheckout: round(temporal),
    cpuMsSyncPerCheckout: round(syncWhole),
    oursOverSync: round(ours / syncWhole, 2),
    workerShareWithTemporal: round(worker / (ours + temporal), 2),
    workerShareWithoutTemporal: round(worker / ours, 2),
  };
  for (const step of steps) {
    const key = `${step.side}${step.rate}PerS`;
    figures[`${key}HostedUrlMs`] = `p50 ${step.p50Ms} / p99 ${step.p99Ms}`;
    figures[`${key}Paid`] = `${step.paid}/${step.arrivals} in ${step.elapsedS} s`;
    figures[`${key}CpuMs`] = Object.entries(step.cpuMsPerCheckout)
      .filter(([, ms]) => ms > 0)
      .map(([name, ms]) => `${name} ${ms}`)
      .join(', ');
  }
  return {
    id: 'P6',
    title: `open loop (${options.seconds} s per rate; rates ${options.rates.join(', ')}/s)`,
    figures,
    targets: [
      { name: 'highest rate with p99 < 1 s ≥ 40/s', reached: highest('workflow') >= 40 },
      { name: 'CPU per checkout, our side ≤ 2× the sync handler', reached: ours <= 2 * syncWhole },
      {
        name: 'time to hosted URL at 10/s: p99 ≤ 100 ms',
        reached: tenPerSecond !== undefined && tenPerSecond.p99Ms <= 100,
      },
    ],
  };
}
