import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  log,
  metricMeter,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { reconcileLatePayment, reconcileWorkflowId } from './reconcile-late-payment.ts';
import { SweepChecked, SweepFound, SweepOutcome, SweepStarted } from './search-attributes.ts';

/** The Temporal Schedule that runs the sweeper; the worker registers it on start. */
export const PAYMENT_SWEEP_SCHEDULE_ID = 'sweep-payments';

export interface SweepPaymentsInput {
  batchSize?: number;
  lookbackDays?: number;
  stalePendingMs?: number;
}

export interface SweepResult {
  checked: number;
  found: number;
  /** Reconciliations started by this run. */
  started: number;
  /** Found orders whose reconciliation was already running. */
  alreadyRunning: number;
  rateLimited: boolean;
}

const { findUnsettledPayments } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3, initialInterval: '10 seconds' },
});

// A checkout lives 30 minutes and closes its order by then, whatever SumUp does; a pending
// order twice as old as that plus an hour has no checkout left that will close it.
const DEFAULT_STALE_PENDING_MS = 2 * 60 * 60_000;

/**
 * One pass of the payments sweeper: finds orders whose outcome is not settled (a pending
 * order whose checkout died, a payment SumUp took after its checkout gave up and whose
 * webhook never came) and starts each one's reconciliation, which settles it exactly as a
 * timely payment would be. In a healthy stack it finds nothing. Searchable by its outcome
 * (`SweepOutcome`: clean, found, rate_limited) and counted in the worker's metrics.
 */
export async function sweepPayments(input: SweepPaymentsInput = {}): Promise<SweepResult> {
  const findings = await findUnsettledPayments({
    batchSize: input.batchSize ?? 100,
    lookbackDays: input.lookbackDays ?? 7,
    stalePendingMs: input.stalePendingMs ?? DEFAULT_STALE_PENDING_MS,
  });
  let started = 0;
  let alreadyRunning = 0;
  for (const { orderId, closeIfUnpaid } of findings.found) {
    try {
      // Outlives this run: a reconciliation may wait for ops for days.
      await startChild(reconcileLatePayment, {
        workflowId: reconcileWorkflowId(orderId),
        args: [{ orderId, closeIfUnpaid }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      started += 1;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      alreadyRunning += 1;
    }
  }
  const result: SweepResult = {
    checked: findings.checked,
    found: findings.found.length,
    started,
    alreadyRunning,
    rateLimited: findings.rateLimited,
  };
  const outcome = findings.rateLimited ? 'rate_limited' : result.found > 0 ? 'found' : 'clean';
  upsertSearchAttributes([
    { key: SweepOutcome, value: outcome },
    { key: SweepChecked, value: result.checked },
    { key: SweepFound, value: result.found },
    { key: SweepStarted, value: result.started },
  ]);
  for (const figure of ['checked', 'found', 'started'] as const) {
    metricMeter.createCounter(`payment_sweep_${figure}`).add(result[figure]);
  }
  log.info('payments swept', { ...result });
  return result;
}
