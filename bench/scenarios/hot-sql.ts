import { eq, sql } from 'drizzle-orm';
import { orders } from '../../db/schema/index.ts';
import { openOrder } from '../../activities/orders/open-order.ts';
import type { BenchContext, ScenarioResult } from '../context.ts';
import { shoppersWithAProduct } from '../shoppers.ts';
import { round } from '../stats.ts';

/**
 * P7: the price of drizzle's query builder on the hot path. Every SumUp step reads its order
 * by id: here that read, done `queries` times one after another, three ways: built by drizzle
 * on each call (as the activities do), prepared once with drizzle, and hand-written SQL as a
 * named prepared statement through `pg`. What counts is this process's CPU per query, the
 * cost a worker's main thread pays; PostgreSQL's own work is the same for all three.
 */
export async function hotSql(
  ctx: BenchContext,
  options: { queries: number },
): Promise<ScenarioResult> {
  const { db } = ctx;
  // An order to read: one made here from a shopper's cart, as a checkout makes it.
  const [shopper] = await shoppersWithAProduct(db, ctx.stack.shop, 1);
  const opened = await openOrder(db, {
    idempotencyKey: `bench-p7-${process.pid}`,
    workflowId: 'bench-p7',
    workflowRunId: 'bench-p7',
    shopper: shopper!,
    scope: { pageId: ctx.stack.shop.pageId },
  });
  if (opened.kind !== 'created') throw new Error(`no order to read: ${opened.kind}`);
  const id = opened.order.orderId;
  const prepared = db
    .select()
    .from(orders)
    .where(eq(orders.id, sql.placeholder('id')))
    .prepare('bench_order_by_id');
  const ways = {
    builder: () => db.select().from(orders).where(eq(orders.id, id)),
    prepared: () => prepared.execute({ id }),
    handWritten: () =>
      db.$client.query({
        name: 'bench_order_by_id_raw',
        text: 'SELECT * FROM orders WHERE id = $1',
        values: [id],
      }),
  };
  const figures: Record<string, number> = {};
  for (const [name, query] of Object.entries(ways)) {
    for (let i = 0; i < 200; i++) await query(); // warm-up: JIT, the statement prepared
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < options.queries; i++) await query();
    const used = process.cpuUsage(cpu);
    figures[`${name}CpuUsPerQuery`] = round((used.user + used.system) / options.queries);
    figures[`${name}WallUsPerQuery`] = round(((performance.now() - t0) * 1000) / options.queries);
    ctx.log(`P7 ${name}: ${figures[`${name}CpuUsPerQuery`]} µs CPU per query`);
  }
  return {
    id: 'P7',
    title: `hot-path SQL: the order by id, ${options.queries} times each way`,
    figures: {
      ...figures,
      builderOverPrepared: round(figures.builderCpuUsPerQuery! / figures.preparedCpuUsPerQuery!, 2),
      builderOverHandWritten: round(
        figures.builderCpuUsPerQuery! / figures.handWrittenCpuUsPerQuery!,
        2,
      ),
    },
    targets: [],
  };
}
