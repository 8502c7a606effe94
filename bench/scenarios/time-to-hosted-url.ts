import type { BenchContext, ScenarioResult } from '../context.ts';
import { startSyncHandler } from '../baseline.ts';
import { shoppersWithAProduct } from '../shoppers.ts';
import { percentile, round, runConcurrently } from '../stats.ts';

/**
 * P1: 50 shoppers check out at once; how long until each has the hosted URL. The same
 * load through the synchronous handler (bench/sync-handler.ts) is the baseline.
 */
export async function timeToHostedUrl(
  ctx: BenchContext,
  options: { shoppers: number; rounds: number },
): Promise<ScenarioResult & { paidLater: { orderId: number; hostedCheckoutUrl: string }[] }> {
  const { db, stack, api } = ctx;
  const pageId = stack.shop.pageId;
  const workflow: number[] = [];
  const baseline: number[] = [];
  const started: { orderId: number; hostedCheckoutUrl: string }[] = [];
  const base = await startSyncHandler(stack);
  let batch = 0;
  try {
    // A warm-up round each, so neither side pays for first-time work in the figures.
    for (let round = 0; round <= options.rounds; round++) {
      const viaWorkflow = await shoppersWithAProduct(db, stack.shop, options.shoppers);
      const run = await runConcurrently(viaWorkflow.length, viaWorkflow.length, async (i) => {
        const answer = await api.startCheckout(viaWorkflow[i]!, pageId);
        if (answer.status !== 200 || !answer.hostedCheckoutUrl) {
          throw new Error(`checkout answered ${answer.status} ${answer.state ?? ''}`);
        }
        return { orderId: answer.orderId!, hostedCheckoutUrl: answer.hostedCheckoutUrl };
      });
      started.push(...run.results);
      // The synchronous handler's shoppers add their product through it, then check out.
      const prefix = `p1-sync-${process.pid}-${++batch}`;
      const plain = await runConcurrently(options.shoppers, options.shoppers, async (i) => {
        const answer = await base.checkout(`${prefix}-${i}`, stack.shop.products[0]!.id, pageId);
        if (answer.status !== 200) throw new Error(`sync handler answered ${answer.status}`);
        return answer.checkoutMs;
      });
      if (round > 0) {
        workflow.push(...run.latenciesMs);
        baseline.push(...plain.results);
      }
      ctx.log(`P1 round ${round}: workflow p50 ${round1(percentile(run.latenciesMs, 50))} ms`);
    }
  } finally {
    await base.close();
  }
  const p50 = percentile(workflow, 50);
  const p99 = percentile(workflow, 99);
  const baseP50 = percentile(baseline, 50);
  return {
    id: 'P1',
    title: `time to hosted URL (${options.shoppers} concurrent shoppers × ${options.rounds} rounds)`,
    figures: {
      samples: workflow.length,
      p50Ms: round(p50),
      p99Ms: round(p99),
      baselineP50Ms: round(baseP50),
      baselineP99Ms: round(percentile(baseline, 99)),
      p50OverBaseline: round(p50 / baseP50, 2),
    },
    targets: [
      { name: 'p50 ≤ 1.3× baseline', reached: p50 <= 1.3 * baseP50 },
      { name: 'p99 ≤ 250 ms', reached: p99 <= 250 },
    ],
    paidLater: started,
  };
}

const round1 = (value: number) => round(value, 1);
