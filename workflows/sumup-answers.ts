import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { PaymentState } from '../activities/payments/checkout-payments.ts';

/**
 * What SumUp says of a checkout, or that it will not say: a final refusal (404, 401, 403, the
 * page's credentials gone) is an answer the checkout acts on, never a reason for it to fail.
 */
export type PaymentAnswer = PaymentState | { status: 'UNREADABLE'; reason: string };

/** Asks SumUp through a checkout step (read or close), turning a final refusal into an answer. */
export async function askSumup(step: () => Promise<PaymentState>): Promise<PaymentAnswer> {
  try {
    return await step();
  } catch (error) {
    const reason = finalRefusal(error);
    if (reason === undefined) throw error;
    return { status: 'UNREADABLE', reason };
  }
}

/**
 * The failure type and message of a step SumUp refused for good (the SumUp steps retry
 * everything else until it answers); undefined for any other error, such as a deadline.
 */
export function finalRefusal(error: unknown): string | undefined {
  // An activity's failure comes wrapped; a local activity's is the failure itself.
  const failure = error instanceof ActivityFailure ? error.cause : error;
  if (!(failure instanceof ApplicationFailure)) return undefined;
  return `${failure.type}: ${failure.message}`;
}
