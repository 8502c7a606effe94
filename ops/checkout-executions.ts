import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionInfo,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import { CheckoutStatus, OrderId, PageId, ShopperId } from '../workflows/search-attributes.ts';
import { OpsFailure } from './ops-failure.ts';
import { visibilityQuery, type ExecutionFilter } from './visibility-query.ts';

/** One workflow run as ops see it: what it is, whether it is open, and its search attributes. */
export interface CheckoutExecution {
  workflowId: string;
  runId: string;
  workflowType: string;
  executionStatus: WorkflowExecutionStatusName;
  taskQueue: string;
  orderId?: string;
  checkoutStatus?: string;
  shopperId?: string;
  pageId?: string;
  startTime: string;
  closeTime?: string;
}

export const isOpen = (execution: CheckoutExecution) => execution.executionStatus === 'RUNNING';

type ExecutionInfo = Pick<
  WorkflowExecutionInfo,
  | 'workflowId'
  | 'runId'
  | 'type'
  | 'status'
  | 'taskQueue'
  | 'typedSearchAttributes'
  | 'startTime'
  | 'closeTime'
>;

function checkoutExecution(info: ExecutionInfo): CheckoutExecution {
  const attributes = info.typedSearchAttributes;
  // Printed as JSON, where the attributes a run has not set yet simply do not appear.
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    workflowType: info.type,
    executionStatus: info.status.name,
    taskQueue: info.taskQueue,
    orderId: attributes.get(OrderId),
    checkoutStatus: attributes.get(CheckoutStatus),
    shopperId: attributes.get(ShopperId),
    pageId: attributes.get(PageId),
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
  };
}

/**
 * The runs that match, in the server's order: open ones first, then the most recently
 * closed. (The dev server's visibility store cannot ORDER BY.)
 */
export async function* listExecutions(
  client: Client,
  filter: ExecutionFilter,
  pageSize?: number,
): AsyncGenerator<CheckoutExecution> {
  const query = visibilityQuery(filter);
  for await (const info of client.workflow.list({ query, pageSize })) {
    yield checkoutExecution(info);
  }
}

/** Every run that carries the order's OrderId, newest first; none is an ops failure. */
export async function executionsOfOrder(
  client: Client,
  orderId: string,
  taskQueue?: string,
): Promise<CheckoutExecution[]> {
  const found: CheckoutExecution[] = [];
  for await (const execution of listExecutions(client, { orderId, taskQueue })) {
    found.push(execution);
  }
  if (found.length === 0) {
    throw new OpsFailure('order_not_found', `no workflow carries OrderId "${orderId}"`, {
      orderId,
      taskQueue,
    });
  }
  return found.sort((a, b) => b.startTime.localeCompare(a.startTime));
}

/**
 * A workflow's latest run, or the run given, as the server holds it now (visibility, which
 * lists are answered from, can lag behind).
 */
export async function describeWorkflow(
  client: Client,
  workflowId: string,
  options: { runId?: string; taskQueue?: string } = {},
): Promise<CheckoutExecution> {
  const { runId, taskQueue } = options;
  try {
    const handle = client.workflow.getHandle(workflowId, runId);
    const execution = checkoutExecution(await handle.describe());
    if (taskQueue === undefined || execution.taskQueue === taskQueue) return execution;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  throw new OpsFailure('workflow_not_found', `no workflow "${workflowId}"`, {
    workflowId,
    runId,
    taskQueue,
  });
}
