import { Client, ScheduleAlreadyRunning, type ScheduleOptionsAction } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '../workflows/shared.ts';
import { PAYMENT_SWEEP_SCHEDULE_ID, sweepPayments } from '../workflows/sweep-payments.ts';

/** One sweeper per task queue (one per deployment): the default queue's has the plain id. */
export const paymentSweepScheduleId = (taskQueue: string) =>
  taskQueue === DEFAULT_TASK_QUEUE
    ? PAYMENT_SWEEP_SCHEDULE_ID
    : `${PAYMENT_SWEEP_SCHEDULE_ID}:${taskQueue}`;

/**
 * Registers the payments sweeper's Temporal Schedule, or brings an existing one to this
 * worker's interval: every worker does this on start, so it is idempotent, and workers
 * starting together agree. A run still going when the next is due is skipped.
 */
export async function registerPaymentSweep(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  everyMinutes: number;
  dataConverter?: DataConverter | undefined;
}): Promise<string> {
  const client = new Client({
    connection: options.connection,
    namespace: options.namespace,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
  const scheduleId = paymentSweepScheduleId(options.taskQueue);
  const spec = { intervals: [{ every: `${options.everyMinutes} minutes` }] };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: sweepPayments,
    workflowId: scheduleId,
    taskQueue: options.taskQueue,
    args: [{}],
  };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: 'SKIP' } });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule
      .getHandle(scheduleId)
      .update((previous) => ({ ...previous, spec, action }));
  }
  return scheduleId;
}
