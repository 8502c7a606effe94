import type { Client } from '@temporalio/client';
import { checkoutStatusQuery, type CheckoutView } from '../workflows/checkout-messages.ts';
import type { Target } from './arguments.ts';
import { describeWorkflow, executionsOfOrder } from './checkout-executions.ts';

/** The checkoutStatus query of the order's newest run (open or closed), or of a named workflow. */
export async function checkoutStatus(
  client: Client,
  target: Target,
  taskQueue?: string,
): Promise<CheckoutView> {
  const execution =
    'workflowId' in target
      ? await describeWorkflow(client, target.workflowId, { taskQueue })
      : (await executionsOfOrder(client, target.orderId, taskQueue))[0]!;
  return client.workflow
    .getHandle(execution.workflowId, execution.runId)
    .query(checkoutStatusQuery);
}
