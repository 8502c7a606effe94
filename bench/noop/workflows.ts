import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { noopStep } from './activities.ts';

type NoopActivities = { noopStep: typeof noopStep };
const options = { startToCloseTimeout: '10 seconds' } as const;
const remote = proxyActivities<NoopActivities>(options);
const local = proxyLocalActivities<NoopActivities>(options);

/**
 * As many activities as a paid checkout runs, local and remote as it runs them, one after
 * another, doing nothing.
 */
export async function noopCheckout(steps: { local: number; remote: number }): Promise<void> {
  for (let i = 0; i < steps.local; i++) await local.noopStep(i);
  for (let i = 0; i < steps.remote; i++) await remote.noopStep(i);
}
