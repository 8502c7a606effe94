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
export const DB_STEP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
};
export const db = localWhen(runsLocalDbSteps, DB_STEP_OPTIONS);

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
  /** At most this many attempts (checkouts before generation 4 always set it). */
  maximumAttempts?: number;
  initialIntervalMs: number;
  /** Attempts stop once this long has passed since the first. */
  retryForMs?: number;
}

/** Before generation 4: 10 attempts, about 50 minutes. */
export const DEFAULT_REFUND_RETRY: RefundRetry = { maximumAttempts: 10, initialIntervalMs: 10_000 };

/** Generation 4: SumUp may be down for a while; days of backoff before a person takes over. */
export const REFUND_RETRY_DAYS = 3;
export const LASTING_REFUND_RETRY: RefundRetry = {
  initialIntervalMs: 10_000,
  retryForMs: REFUND_RETRY_DAYS * 24 * 3_600_000,
};

/** Refunds give up after a bounded number of attempts, or time: then a person takes over. */
export const refunds = (retry: RefundRetry) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    ...(retry.retryForMs ? { scheduleToCloseTimeout: retry.retryForMs } : {}),
    retry: {
      ...(retry.maximumAttempts ? { maximumAttempts: retry.maximumAttempts } : {}),
      initialInterval: retry.initialIntervalMs,
      maximumInterval: retry.retryForMs ? '1 hour' : '10 minutes',
      nonRetryableErrorTypes: SUMUP_FINAL_FAILURES,
    },
  });
