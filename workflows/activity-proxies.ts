import { proxyActivities } from '@temporalio/workflow';
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

/** Database steps: short, retried with backoff until they succeed. */
export const db = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
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
