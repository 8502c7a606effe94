import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { orderActions } from '../workflows/order-actions.ts';
import {
  orderWorkflowId,
  refundOrderUpdate,
  type RefundAnswer,
  type RefundCommand,
} from '../workflows/order-messages.ts';

/**
 * Hands an admin's action to the order's `order:<id>` workflow, starting it if it is not
 * running, and answers once it is recorded (or refused). The API and `npm run ops` both ask
 * through here.
 */
export function askOrder(
  client: Client,
  taskQueue: string,
  command: RefundCommand,
): Promise<RefundAnswer> {
  return client.workflow.executeUpdateWithStart(refundOrderUpdate, {
    args: [command],
    startWorkflowOperation: new WithStartWorkflowOperation(orderActions, {
      workflowId: orderWorkflowId(command.orderId),
      taskQueue,
      args: [{ orderId: command.orderId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  });
}
