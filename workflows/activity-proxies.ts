import { proxyActivities, proxyLocalActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { runsLocalDbSteps, runsLocalSteps } from './generations.ts';

/** Failures retrying cannot mend (see activities/payments/sumup-errors.ts). */
const SUMUP_FINAL_FAILURES = [
  'SumupValidationError',
  'SumupCredentialsError',
  'SumupNotFound',
  'SumupConflict',
  'SumupCredentialsMissing',
  'RefundMissing',
];

/**
 * Steps that run as activities, as older checkouts recorded them, or as local activities
 * once `local()` says so: run by the worker inside the workflow task, with no round trip
 * through the server for each, which is most of a checkout's cost. A long retry still
 * backs off through a timer, and the workflow task heartbeats meanwhile.
 */
function localWhen(local: () => boolean, options: ActivityOptions): Activities {
  const remoteSteps = proxyActivities<Activities>(options);
  const localSteps = proxyLocalActivities<Activities>(options);
  return new Proxy(remoteSteps, {
    get: (_target, name: keyof Activities) => (local() ? localSteps : remoteSteps)[name],
  });
}

/** Database steps: short, idempotent, retried with backoff until they succeed. */
export const db = localWhen(runsLocalDbSteps, {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
});

/**
 * SumUp's checkout calls (create, read, deactivate): one HTTP request each, idempotent
 * (creation finds the order's checkout by its reference), retried until SumUp answers for
 * good.
 */
export const sumup = localWhen(runsLocalSteps, {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: SUMUP_FINAL_FAILURES,
  },
});

export interface RefundRetry {
  maximumAttempts: number;
  initialIntervalMs: number;
}

export const DEFAULT_REFUND_RETRY: RefundRetry = { maximumAttempts: 10, initialIntervalMs: 10_000 };

/** Refunds give up after a bounded number of attempts: then a person takes over. */
export const refunds = (retry: RefundRetry = DEFAULT_REFUND_RETRY) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: {
      maximumAttempts: retry.maximumAttempts,
      initialInterval: retry.initialIntervalMs,
      maximumInterval: '10 minutes',
      nonRetryableErrorTypes: SUMUP_FINAL_FAILURES,
    },
  });
