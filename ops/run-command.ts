import type { Client } from '@temporalio/client';
import type { OpsCommand } from './arguments.ts';
import { checkoutActions } from './checkout-actions.ts';
import { listExecutions } from './checkout-executions.ts';
import { checkoutStatus } from './checkout-status.ts';
import { countGenerations } from './generations.ts';
import { signalCheckout } from './signal-checkout.ts';

/** Runs one command, handing each result to `emit` as it comes. */
export async function runCommand(
  client: Client,
  command: Exclude<OpsCommand, { name: 'help' }>,
  emit: (result: unknown) => void,
): Promise<void> {
  switch (command.name) {
    case 'status':
      return emit(await checkoutStatus(client, command.target, command.taskQueue));
    case 'generations':
      for (const count of await countGenerations(client, command.taskQueue)) emit(count);
      return;
    case 'list': {
      let left = command.limit;
      const filter = {
        orderId: command.orderId,
        checkoutStatus: command.status,
        taskQueue: command.taskQueue,
      };
      for await (const execution of listExecutions(client, filter, command.limit)) {
        emit(execution);
        if (--left === 0) return;
      }
      return;
    }
    default:
      return emit(
        await signalCheckout(
          client,
          checkoutActions[command.name],
          command.target,
          command.taskQueue,
        ),
      );
  }
}
