import { proxyActivities } from '@temporalio/workflow';
import type { noopStep } from './activities.ts';

const { noopStep: step } = proxyActivities<{ noopStep: typeof noopStep }>({
  startToCloseTimeout: '10 seconds',
});

/** As many activities as a paid checkout runs, one after another, doing nothing. */
export async function noopCheckout(steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) await step(i);
}
