import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  proxyLocalActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { DB_STEP_OPTIONS, LASTING_REFUND_RETRY, refunds } from './activity-proxies.ts';
import { timesProvisionalBookings } from './generations.ts';
import { orderWorkflowId, refundOrderUpdate, type RefundCommand } from './order-messages.ts';

// An order's life after payment: each admin action on it (a refund, a cancel) is an update
// of its `order:<id>` workflow, so that they run one at a time, survive crashes and show in
// the Temporal UI. Payment starts it when bookings await the organiser, whose answer it
// times (PROVISIONAL_BOOKING_DAYS). It ends once idle; the next action starts it again.

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
  // Bookings awaiting the organiser: when the first is due, the page's policy answers it.
  let answerBy = timesProvisionalBookings()
    ? (await db.nextBookingDeadline({ orderId: input.orderId })).answerByMs
    : null;
  for (;;) {
    const waitMs = answerBy === null ? IDLE_MS : answerBy - Date.now();
    const more = waitMs > 0 && (await condition(() => toSend.length > 0, waitMs));
    if (more) {
      await send(toSend.shift()!);
      continue;
    }
    if (answerBy !== null && Date.now() >= answerBy) {
      // The durable timer fired: the workflow's clock, not the database's, says it is time.
      const answered = await db.answerUnansweredBookings({
        orderId: input.orderId,
        asOfMs: Date.now(),
      });
      for (const refundId of answered.refundIds) {
        if (!toSend.includes(refundId)) toSend.push(refundId);
      }
      answerBy = answered.answerByMs;
      continue;
    }
    if (toSend.length === 0 && allHandlersFinished()) return;
  }
}

/** Exactly once at SumUp, retried for days; refused for good, it stays owed for ops. */
async function send(refundId: number): Promise<void> {
  try {
    // activities/payments/issue-refund.ts reads SumUp's record of the transaction before
    // each send.
    await refunds(LASTING_REFUND_RETRY).issueRefund({ refundId });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // Refused for good, or days of failure: the refund stays owed, for ops (refunds table).
  }
}

/**
 * Payment made bookings provisional: the order's workflow starts now, to time the
 * organiser's answer, and outlives the checkout that paid.
 */
export async function startOrderActions(orderId: number): Promise<void> {
  try {
    await startChild(orderActions, {
      workflowId: orderWorkflowId(orderId),
      args: [{ orderId }],
      parentClosePolicy: 'ABANDON',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    // An admin's action started it first; it read the bookings as it started.
  }
}
