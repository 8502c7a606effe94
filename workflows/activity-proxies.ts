import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

/** Failures retrying cannot mend (see activities/payments/sumup-errors.ts). */
const SUMUP_FINAL_FAILURES = [
  'SumupValidationError',
  'SumupCredentialsError',
  'SumupNotFound',
  'SumupConflict',
  'SumupCredentialsMissing',
  'RefundMissing',
];

const DB_RETRY = { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' };

/** Database steps as checkouts recorded before LOCAL_DB_STEPS ran them: activities. */
const dbActivities = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: DB_RETRY,
});

/**
 * Database steps as local activities: run by the worker inside the workflow task, with no
 * round trip through the server for each, which is most of a checkout's cost. They are
 * short and idempotent; a long retry still backs off through a timer.
 */
const dbLocalActivities = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: DB_RETRY,
});

/** Marks histories that run database steps locally; older ones replay as recorded. */
export const LOCAL_DB_STEPS = 'local-db-steps';

/** Database steps: short, retried with backoff until they succeed. */
export const db: Activities = new Proxy(dbActivities, {
  get: (_target, name: keyof Activities) =>
    (patched(LOCAL_DB_STEPS) ? dbLocalActivities : dbActivities)[name],
});

/** SumUp calls: room for SumUp's latency, retried until SumUp answers for good. */
export const sumup = proxyActivities<Activities>({
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
