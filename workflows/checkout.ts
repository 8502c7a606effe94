import { condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { db, sumup } from './activity-proxies.ts';
import {
  cancelCheckoutSignal,
  finalStates,
  hostedCheckoutUpdate,
  recheckNowSignal,
  refundHandledSignal,
  shopperReturnedSignal,
  sumupWebhookSignal,
  type CheckoutInput,
  type CheckoutState,
  type CheckoutView,
} from './checkout-messages.ts';
import type { ClosedOutcome } from './checkout-types.ts';
import { OrderId, PageId, ShopperId } from './search-attributes.ts';
import { trackCheckout } from './checkout-view.ts';
import { settlePaidOrder } from './settle-payment.ts';

const DEFAULT_EXPIRY_MS = 30 * 60_000;
// Polling is the fallback for a webhook SumUp gave up on while the shopper never came back
// to the return page; expiry reads SumUp one last time anyway. So it is sparse: every poll
// is a workflow task (a replay, once the worker's cache holds fewer checkouts than are
// open) and a SumUp request, and their number grows with the checkouts open at once:
// 10,000 polling every minute would be 170 a second, more than this engine's whole
// throughput on 2 cores. Every 10 minutes: twice in a checkout's 30.
const DEFAULT_POLL_INITIAL_MS = 10 * 60_000;
const DEFAULT_POLL_MAX_MS = 10 * 60_000;

/**
 * One shopper's checkout, start to end: order from the cart, claims, SumUp's hosted
 * checkout, the wait for payment, then confirmation — or release of the claims. Every step
 * is an idempotent activity; the workflow only decides.
 */
export async function checkout(input: CheckoutInput): Promise<CheckoutView> {
  const { workflowId, runId } = workflowInfo();
  const { view, enter, tag } = trackCheckout('creating_order');
  let wake = false;
  let cancelRequested = false;
  let refundHandled = false;

  setHandler(hostedCheckoutUpdate, async () => {
    await condition(() => view.hostedCheckoutUrl !== undefined || finalStates.includes(view.state));
    return view;
  });
  for (const signal of [sumupWebhookSignal, shopperReturnedSignal, recheckNowSignal]) {
    setHandler(signal, () => void (wake = true));
  }
  setHandler(cancelCheckoutSignal, () => void (cancelRequested = true));
  setHandler(refundHandledSignal, () => void (refundHandled = true));

  tag([
    { key: ShopperId, value: input.shopper.userId ?? `session:${input.shopper.sessionId}` },
    { key: PageId, value: input.scope.pageId === null ? 'global' : String(input.scope.pageId) },
  ]);
  enter('creating_order');

  const created = await db.createOrderFromCart({
    idempotencyKey: `${workflowId}:${runId}`,
    workflowId,
    workflowRunId: runId,
    shopper: input.shopper,
    scope: input.scope,
  });
  if (created.kind === 'empty') return finish('empty');
  if (created.kind === 'unavailable') {
    view.problems = created.problems;
    return finish('unavailable');
  }
  const { orderId } = created.order;
  Object.assign(view, {
    orderId,
    totalMinor: created.order.totalMinor,
    currency: created.order.currency,
  });
  tag([{ key: OrderId, value: String(orderId) }]);

  enter('claiming');
  const claim = await db.claimEntriesAndTickets({ orderId });
  if (!claim.claimed) {
    view.problems = claim.problems;
    await db.releaseClaims({ orderId, outcome: 'failed' });
    return finish('unavailable');
  }

  const expiresInMs = input.expiresInMs ?? DEFAULT_EXPIRY_MS;
  const deadline = Date.now() + expiresInMs;
  enter('creating_payment');
  try {
    const payment = await sumup.createSumupCheckout({
      orderId,
      expiresAt: new Date(deadline).toISOString(),
      description: `Order ${orderId}`,
    });
    view.hostedCheckoutUrl = payment.hostedCheckoutUrl;
  } catch (error) {
    // SumUp refused for good (credentials, validation): give the claims back.
    await db.releaseClaims({ orderId, outcome: 'failed' });
    finish('failed');
    throw error;
  }
  enter('awaiting_payment');

  let outcome: ClosedOutcome;
  let pollMs = input.pollInitialMs ?? DEFAULT_POLL_INITIAL_MS;
  const pollMaxMs = input.pollMaxMs ?? DEFAULT_POLL_MAX_MS;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      outcome = 'expired';
      break;
    }
    const woken = await condition(() => wake || cancelRequested, Math.min(pollMs, remaining));
    if (cancelRequested) {
      outcome = 'cancelled';
      break;
    }
    wake = false;
    if (!woken) pollMs = Math.min(pollMs * 2, pollMaxMs);
    const payment = await sumup.readSumupCheckout({ orderId });
    if (payment.status === 'PAID') return paid(orderId, payment.transactionId!);
    if (payment.status === 'FAILED' || payment.status === 'EXPIRED') {
      outcome = payment.status === 'FAILED' ? 'failed' : 'expired';
      break;
    }
  }

  // No payment yet: close the SumUp checkout, and read it one last time, since a payment
  // can land in the last second.
  enter('closing');
  const last = await sumup.deactivateSumupCheckout({ orderId });
  if (last.status === 'PAID') return paid(orderId, last.transactionId!);
  await db.releaseClaims({ orderId, outcome });
  return finish(outcome);

  async function paid(orderId: number, transactionId: string): Promise<CheckoutView> {
    const settled = await settlePaidOrder(orderId, transactionId, {
      enter,
      refundHandled: () => refundHandled,
      refundRetry: input.refundRetry,
    });
    view.paid = settled.outcome;
    return finish(settled.state);
  }

  function finish(state: CheckoutState): CheckoutView {
    enter(state);
    return view;
  }
}
