import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { checkoutDataConverter } from '../../temporal/data-converter.ts';
import type { BenchContext, ScenarioResult } from '../context.ts';
import { noopStep } from '../noop/activities.ts';
import { settledDeliveries } from '../deliveries.ts';
import { paidWatcher } from '../paid-watcher.ts';
import { shoppersWithAProduct } from '../shoppers.ts';
import { round, runConcurrently } from '../stats.ts';

/**
 * P3: checkouts completed per second, end to end (start, pay, webhook, confirm), against
 * the ceiling: a workflow running as many no-op activities, on this machine.
 */
export async function throughput(
  ctx: BenchContext,
  options: { checkouts: number; concurrency: number },
): Promise<ScenarioResult> {
  const { db, stack, api } = ctx;
  const shoppers = await shoppersWithAProduct(db, stack.shop, options.checkouts);
  const paid = paidWatcher(db);
  const startedAt = new Date();
  let firstWorkflowId: string | undefined;
  const run = await runConcurrently(shoppers.length, options.concurrency, async (i) => {
    const started = await api.startCheckout(shoppers[i]!, stack.shop.pageId);
    if (started.status !== 200 || !started.hostedCheckoutUrl) {
      throw new Error(`checkout answered ${started.status}`);
    }
    await api.pay(started.hostedCheckoutUrl);
    const status = await paid(started.orderId!);
    if (status !== 'paid') throw new Error(`order ${started.orderId} ended ${status}`);
    firstWorkflowId ??= `checkout:page:${stack.shop.pageId}:user:${shoppers[i]!.userId}`;
  });
  const perSecond = options.checkouts / (run.elapsedMs / 1000);
  // From each event written during the run to its delivery at the stack's subscriber.
  const lag = await settledDeliveries(db, startedAt);

  // The ceiling: as many activities as that checkout ran, doing nothing.
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, dataConverter: checkoutDataConverter({}) });
  const history = await client.workflow.getHandle(firstWorkflowId!).fetchHistory();
  const steps = {
    local: history.events!.filter(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    ).length,
    remote: history.events!.filter((e) => e.activityTaskScheduledEventAttributes).length,
  };
  const taskQueue = `bench-noop-${process.pid}`;
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: stack.temporalAddress }),
    taskQueue,
    workflowsPath: fileURLToPath(new URL('../noop/workflows.ts', import.meta.url)),
    activities: { noopStep },
  });
  const ceiling = await worker.runUntil(
    runConcurrently(options.checkouts, options.concurrency, (i) =>
      client.workflow.execute('noopCheckout', {
        taskQueue,
        workflowId: `${taskQueue}-${i}`,
        args: [steps],
      }),
    ),
  );
  await connection.close();
  const ceilingPerSecond = options.checkouts / (ceiling.elapsedMs / 1000);
  return {
    id: 'P3',
    title: `throughput (${options.checkouts} checkouts, ${options.concurrency} at a time)`,
    figures: {
      checkoutsPerSecond: round(perSecond, 1),
      localActivitiesPerCheckout: steps.local,
      activitiesPerCheckout: steps.remote,
      ceilingPerSecond: round(ceilingPerSecond, 1),
      ofCeiling: round(perSecond / ceilingPerSecond, 2),
      eventsDelivered: lag.delivered,
      eventDeliveryLagP50Ms: lag.p50,
      eventDeliveryLagP99Ms: lag.p99,
    },
    targets: [
      { name: '≥ 40 checkouts/s', reached: perSecond >= 40 },
      { name: '≥ 0.6 of the ceiling', reached: perSecond >= 0.6 * ceilingPerSecond },
      { name: 'events delivered within a second (p99)', reached: lag.p99 <= 1000 },
    ],
  };
}
