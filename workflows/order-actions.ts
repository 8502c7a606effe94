import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { DB_STEP_OPTIONS, LASTING_REFUND_RETRY, refunds } from './activity-proxies.ts';
import { refundOrderUpdate, type RefundCommand } from './order-messages.ts';

// An order's life after payment: each admin action on it (a refund, a cancel) is an update
// of its `order:<id>` workflow, so that they run one at a time, survive crashes and show in
// the Temporal UI. The workflow ends once idle; the next action starts it again.

// Local from its first run: it has no older histories to replay.
const db = proxyLocalActivities<Activities>(DB_STEP_OPTIONS);

/** How long the workflow waits for another action before it ends. */
const IDLE_MS = 10 * 60_000;

export async function orderActions(input: { orderId: number }): Promise<void> {
  const toSend: number[] = [];
  // One action at a time: the next reads what the last one recorded.
  let last: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(action: () => Promise<T>): Promise<T> => {
    const run = last.then(action);
    last = run.catch(() => undefined);
    return run;
  };

  setHandler(
    refundOrderUpdate,
    (command) =>
      oneAtATime(async () => {
        // The refund is recorded (lines, seats, its notice) before the admin is answered;
        // sending it to SumUp happens after, below.
        const answer = await db.recordAdminRefund({ ...command, orderId: input.orderId });
        if (answer.kind === 'recorded' && answer.state === 'due') toSend.push(answer.refundId);
        return answer;
      }),
    {
      validator: (command: RefundCommand) => {
        if (command.orderId !== input.orderId) throw new Error('another order');
      },
    },
  );

  // Refunds an earlier run recorded and did not get through to SumUp go first.
  for (const refundId of await db.dueAdminRefunds({ orderId: input.orderId })) {
    if (!toSend.includes(refundId)) toSend.push(refundId);
  }
  for (;;) {
    const more = await condition(() => toSend.length > 0, IDLE_MS);
    if (!more) {
      if (toSend.length === 0 && allHandlersFinished()) return;
      continue;
    }
    const refundId = toSend.shift()!;
    try {
      // Exactly once at SumUp (activities/payments/issue-refund.ts reads SumUp's record of
      // the transaction before each send), retried for days.
      await refunds(LASTING_REFUND_RETRY).issueRefund({ refundId });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      // Refused for good, or days of failure: the refund stays owed, for ops (refunds table).
    }
  }
}
