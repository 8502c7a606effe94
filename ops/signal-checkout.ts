import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Target } from './arguments.ts';
import type { CheckoutAction } from './checkout-actions.ts';
import {
  describeWorkflow,
  executionsOfOrder,
  isOpen,
  type CheckoutExecution,
} from './checkout-executions.ts';
import { OpsFailure, type OpsFailureCode } from './ops-failure.ts';

/** Sends the action's signal to the open run it is meant for, and answers what was signalled. */
export async function signalCheckout(
  client: Client,
  action: CheckoutAction,
  target: Target,
  taskQueue?: string,
) {
  const execution = await runFor(client, action, target, taskQueue);
  if (!action.acceptedBy.includes(execution.workflowType)) throw notAccepted(action, execution);
  if (!isOpen(execution)) throw closed(execution);
  if (action.onlyIn !== undefined && execution.checkoutStatus !== action.onlyIn)
    throw wrongState(action, execution);
  try {
    await client.workflow.getHandle(execution.workflowId, execution.runId).signal(action.signal);
  } catch (error) {
    // It closed since it was described.
    if (error instanceof WorkflowNotFoundError) throw closed(execution);
    throw error;
  }
  return { signalled: action.signal.name, ...identity(execution) };
}

/**
 * The run the action is for: the workflow named, or the order's newest open run among the
 * workflows that take the signal, described afresh since visibility can lag behind.
 */
async function runFor(
  client: Client,
  action: CheckoutAction,
  target: Target,
  taskQueue: string | undefined,
): Promise<CheckoutExecution> {
  if ('workflowId' in target) return describeWorkflow(client, target.workflowId, { taskQueue });
  const all = await executionsOfOrder(client, target.orderId, taskQueue);
  const accepting = all.filter((e) => action.acceptedBy.includes(e.workflowType));
  const chosen = accepting.find(isOpen) ?? accepting[0] ?? all[0]!;
  return describeWorkflow(client, chosen.workflowId, { runId: chosen.runId });
}

const identity = (execution: CheckoutExecution) => ({
  workflowId: execution.workflowId,
  runId: execution.runId,
  workflowType: execution.workflowType,
  orderId: execution.orderId,
  checkoutStatus: execution.checkoutStatus,
});

const failure = (code: OpsFailureCode, message: string, execution: CheckoutExecution) =>
  new OpsFailure(code, message, {
    ...identity(execution),
    executionStatus: execution.executionStatus,
  });

const closed = (execution: CheckoutExecution) =>
  failure(
    'workflow_closed',
    `workflow "${execution.workflowId}" has already closed (${execution.executionStatus}, ${execution.checkoutStatus ?? 'no CheckoutStatus'})`,
    execution,
  );

const notAccepted = (action: CheckoutAction, execution: CheckoutExecution) =>
  failure(
    'signal_not_accepted',
    `workflow "${execution.workflowId}" is a ${execution.workflowType}, which takes no ${action.signal.name}`,
    execution,
  );

const wrongState = (action: CheckoutAction, execution: CheckoutExecution) =>
  failure(
    'wrong_state',
    `workflow "${execution.workflowId}" is ${execution.checkoutStatus ?? 'without a CheckoutStatus'}: ${action.signal.name} is sent only in ${action.onlyIn}`,
    execution,
  );
