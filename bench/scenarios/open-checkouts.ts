import type { BenchContext, ScenarioResult } from '../context.ts';
import { settledOrders } from '../orders.ts';
import { treeRssMiB } from '../process-usage.ts';
import { shoppersWithAProduct } from '../shoppers.ts';
import { percentile, round, runConcurrently } from '../stats.ts';

/**
 * P4: many checkouts waiting on payment at once. The worker's memory and the API's answers
 * while they wait; then every shopper pays and every order must confirm.
 */
export async function openCheckouts(
  ctx: BenchContext,
  options: { checkouts: number; concurrency: number; probes: number },
): Promise<ScenarioResult> {
  const { db, stack, api } = ctx;
  const workerPid = stack.processes.worker.pid()!;
  const rssBefore = treeRssMiB(workerPid);
  const shoppers = await shoppersWithAProduct(db, stack.shop, options.checkouts);
  const started = await runConcurrently(shoppers.length, options.concurrency, async (i) => {
    const answer = await api.startCheckout(shoppers[i]!, stack.shop.pageId);
    if (answer.status !== 200 || !answer.hostedCheckoutUrl) {
      throw new Error(`checkout ${i} answered ${answer.status} ${answer.code ?? ''}`);
    }
    if ((i + 1) % 1000 === 0) ctx.log(`P4: ${i + 1} checkouts waiting`);
    return { orderId: answer.orderId!, hostedCheckoutUrl: answer.hostedCheckoutUrl };
  });
  const rssWaiting = treeRssMiB(workerPid);

  // The storefront keeps asking while they wait: checkout status (a workflow query) and the
  // cart summary (the database).
  const probe = await runConcurrently(options.probes, 10, async (i) => {
    const shopper = shoppers[(i * 7919) % shoppers.length]!;
    const path = i % 2 === 0 ? `/v1/checkouts/${stack.shop.pageId}` : '/v1/cart/summary';
    const res = await api.call(path, shopper);
    if (!res.ok) throw new Error(`${path} answered ${res.status}`);
    await res.arrayBuffer();
  });
  const rssAfterProbes = treeRssMiB(workerPid);

  const paying = performance.now();
  await runConcurrently(started.results.length, 50, (i) =>
    api.pay(started.results[i]!.hostedCheckoutUrl),
  );
  const rows = await settledOrders(
    db,
    started.results.map((s) => s.orderId),
    900_000,
  );
  const paid = rows.filter((r) => r.status === 'paid').length;
  const peakRss = Math.max(rssWaiting, rssAfterProbes, treeRssMiB(workerPid));
  return {
    id: 'P4',
    title: `${options.checkouts} open checkouts`,
    figures: {
      startSeconds: round(started.elapsedMs / 1000, 1),
      workerRssBeforeMiB: round(rssBefore),
      workerRssWaitingMiB: round(rssWaiting),
      workerRssPeakMiB: round(peakRss),
      apiP99WhileWaitingMs: round(percentile(probe.latenciesMs, 99)),
      apiP50WhileWaitingMs: round(percentile(probe.latenciesMs, 50)),
      paid,
      payAllSeconds: round((performance.now() - paying) / 1000, 1),
    },
    targets: [
      { name: 'worker RSS < 1 GiB', reached: peakRss < 1024 },
      { name: 'all confirmed', reached: paid === options.checkouts },
    ],
  };
}
