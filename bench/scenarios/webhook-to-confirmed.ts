import type { BenchContext, ScenarioResult } from '../context.ts';
import { settledOrders } from '../orders.ts';
import { paidWatcher } from '../paid-watcher.ts';
import { percentile, round, runConcurrently } from '../stats.ts';

interface Delivery {
  checkoutId: string;
  status: string;
  outcome: string;
  at: string;
}

/**
 * P2: shoppers pay checkouts that are waiting; from the emulator's webhook delivery to the
 * order being `paid` in the database. `concurrentPayments` shoppers pay, each paying the
 * next once their order is paid: paying all at once would measure a queue instead.
 */
export async function webhookToConfirmed(
  ctx: BenchContext,
  waiting: { orderId: number; hostedCheckoutUrl: string }[],
  options: { concurrentPayments: number },
): Promise<ScenarioResult> {
  const { db, stack, api } = ctx;
  const paid = paidWatcher(db);
  await runConcurrently(waiting.length, options.concurrentPayments, async (i) => {
    await api.pay(waiting[i]!.hostedCheckoutUrl);
    await paid(waiting[i]!.orderId);
  });
  const rows = await settledOrders(
    db,
    waiting.map((w) => w.orderId),
  );
  const log = (await (
    await fetch(`${stack.urls.emulator}/_emulator/webhooks`)
  ).json()) as Delivery[];
  const deliveredAt = new Map<string, number>();
  for (const d of log) {
    if (d.outcome === 'delivered' && d.status === 'PAID' && !deliveredAt.has(d.checkoutId)) {
      deliveredAt.set(d.checkoutId, Date.parse(d.at));
    }
  }
  const latencies = rows.flatMap((r) => {
    const at = r.sumupCheckoutId ? deliveredAt.get(r.sumupCheckoutId) : undefined;
    return at !== undefined && r.paidAt ? [r.paidAt.getTime() - at] : [];
  });
  const p99 = percentile(latencies, 99);
  return {
    id: 'P2',
    title: `webhook delivered → order paid (${waiting.length} payments, ${options.concurrentPayments} at a time)`,
    figures: {
      samples: latencies.length,
      paid: rows.filter((r) => r.status === 'paid').length,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(p99),
    },
    targets: [{ name: 'p99 ≤ 300 ms', reached: p99 <= 300 }],
  };
}
