import { condition, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PaymentState } from '../activities/payments/checkout-payments.ts';
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
import type { CreateOrderInput } from '../activities/orders/create-order.ts';
import type { ClosedOutcome, OpenOrderResult, OrderSummary } from './checkout-types.ts';
import { checkoutSearchAttributes, OrderId } from './search-attributes.ts';
import { trackCheckout } from './checkout-view.ts';
import { recordsNeedsAttention, runsEdgePaths, runsOneStepOpenAndConfirm } from './generations.ts';
import { settlePayment, showSettled } from './settle-payment.ts';
import { askSumup, finalRefusal, type PaymentAnswer } from './sumup-answers.ts';

const DEFAULT_EXPIRY_MS = 30 * 60_000;
// Polling is the fallback for a webhook SumUp gave up on while the shopper never came back
// to the return page; expiry reads SumUp one last time anyway. So it is sparse: every poll
// is a workflow task (a replay, once the worker's cache holds fewer checkouts than are
// open) and a SumUp request, and their number grows with the checkouts open at once:
// 10,000 polling every minute would be 170 a second, more than this engine's whole
// throughput on 2 cores. Every 10 minutes: twice in a checkout's 30.
const DEFAULT_POLL_INITIAL_MS = 10 * 60_000;
const DEFAULT_POLL_MAX_MS = 10 * 60_000;
// The storefront's request waits on SumUp's checkout, and the order's seats are held
// meanwhile: past this, the claims go back and the storefront is told to try later.
const DEFAULT_CREATION_TIMEOUT_MS = 20_000;

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

  // Set at start by the API from generation 5: upserted only when the starter did not.
  const given = runsOneStepOpenAndConfirm() ? workflowInfo().typedSearchAttributes : undefined;
  tag(checkoutSearchAttributes(input).filter((pair) => given?.get(pair.key) !== pair.value));
  enter('creating_order');

  const created = await openOrder(
    {
      idempotencyKey: `${workflowId}:${runId}`,
      workflowId,
      workflowRunId: runId,
      shopper: input.shopper,
      scope: input.scope,
    },
    (order) => {
      Object.assign(view, {
        orderId: order.orderId,
        totalMinor: order.totalMinor,
        currency: order.currency,
      });
      tag([{ key: OrderId, value: String(order.orderId) }]);
      enter('claiming');
    },
  );
  if (created.kind === 'empty') return finish('empty');
  if (created.kind === 'unavailable') {
    view.problems = created.problems;
    return finish('unavailable');
  }
  if (created.kind === 'in_checkout') {
    // Another of the shopper's checkouts holds some lines: no second order, no second payment.
    Object.assign(view, { problems: created.problems, openScope: created.openScope });
    return finish('unavailable');
  }
  const { orderId } = created.order;
  if (!created.claim.claimed) {
    // The order is closed and its lines are back in the cart.
    view.problems = created.claim.problems;
    return finish('unavailable');
  }

  const expiresInMs = input.expiresInMs ?? DEFAULT_EXPIRY_MS;
  const deadline = Date.now() + expiresInMs;
  // Generation 4 (every new checkout) ends SumUp's edge answers in states ops can act on;
  // older histories replay as they ran (workflows/generations.ts).
  const edges = runsEdgePaths();
  enter('creating_payment');
  try {
    const payment = await sumup.createSumupCheckout({
      orderId,
      expiresAt: new Date(deadline).toISOString(),
      description: `Order ${orderId}`,
      // SumUp being down is retried only until then: the storefront's request waits on it,
      // and the seats are held meanwhile.
      ...(edges
        ? {
            giveUpAt: new Date(
              Date.now() + (input.creationTimeoutMs ?? DEFAULT_CREATION_TIMEOUT_MS),
            ).toISOString(),
          }
        : {}),
    });
    view.hostedCheckoutUrl = payment.hostedCheckoutUrl;
  } catch (error) {
    // SumUp refused for good (credentials, validation), or did not answer before the
    // creation deadline: give the claims back, and the storefront says why.
    const reason = finalRefusal(error)?.startsWith('SumupCreationDeadline:')
      ? 'payment_provider_unavailable'
      : 'payment_provider_refused';
    await db.releaseClaims({ orderId, outcome: 'failed', ...(edges ? { reason } : {}) });
    if (!edges) {
      finish('failed');
      throw error;
    }
    view.reason = reason;
    return finish('failed');
  }
  enter('awaiting_payment');

  let outcome: ClosedOutcome;
  let declined = false;
  let pollMs = input.pollInitialMs ?? DEFAULT_POLL_INITIAL_MS;
  const pollMaxMs = input.pollMaxMs ?? DEFAULT_POLL_MAX_MS;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      outcome = declined ? 'failed' : 'expired';
      break;
    }
    const woken = await condition(() => wake || cancelRequested, Math.min(pollMs, remaining));
    if (cancelRequested) {
      outcome = 'cancelled';
      break;
    }
    wake = false;
    if (!woken) pollMs = Math.min(pollMs * 2, pollMaxMs);
    // From generation 5, a read that finds the order's payment confirms the order too.
    const read = () =>
      runsOneStepOpenAndConfirm()
        ? sumup.readAndConfirm({ orderId })
        : sumup.readSumupCheckout({ orderId });
    const payment = edges ? await askSumup(read) : await read();
    if (payment.status === 'PAID') return paid(payment);
    if (payment.status === 'EXPIRED' || (payment.status === 'FAILED' && !edges)) {
      outcome = payment.status === 'FAILED' || declined ? 'failed' : 'expired';
      break;
    }
    // A declined card is not the end: SumUp's hosted page lets the shopper try another
    // until the checkout expires. Nor is SumUp refusing to say (UNREADABLE): the claims
    // stay until the deadline, which closes the checkout.
    if (payment.status === 'FAILED') declined = true;
  }

  // No payment yet: close the SumUp checkout, and read it one last time, since a payment
  // can land in the last second.
  enter('closing');
  const close = () => sumup.deactivateSumupCheckout({ orderId });
  const last = edges ? await closeByDeadline(await askSumup(close)) : await close();
  if (last.status === 'PAID') return paid(last);
  // Whether SumUp would not say (ops look: needs_attention), or the card was declined.
  const unknown = last.status === 'UNREADABLE' ? `needs_attention: ${last.reason}` : undefined;
  const reason = unknown ?? (declined ? 'card_declined' : undefined);
  await db.releaseClaims({ orderId, outcome, ...(reason ? { reason } : {}) });
  if (last.status === 'UNREADABLE') return needsAttention(last.reason);
  return finish(outcome);

  /**
   * SumUp would neither close the checkout nor say how it stands: its hosted page might
   * still take the shopper's money, so the claims stay until the deadline, and every
   * wake-up (a webhook, the shopper, ops) tries to close it again.
   */
  async function closeByDeadline(first: PaymentAnswer): Promise<PaymentAnswer> {
    let answer = first;
    while (answer.status === 'UNREADABLE' && deadline - Date.now() > 0) {
      await condition(() => wake, deadline - Date.now());
      wake = false;
      answer = await askSumup(close);
    }
    return answer;
  }

  /**
   * The claims are back in the cart, but whether the shopper paid is unknown: the checkout
   * waits, searchable as `needs_attention` with SumUp's answer, until a recheck (ops, or a
   * webhook) gets an answer from SumUp.
   */
  async function needsAttention(reason: string): Promise<CheckoutView> {
    view.reason = reason;
    enter('needs_attention');
    if (recordsNeedsAttention()) await db.recordNeedsAttention({ orderId, workflowId, reason });
    for (;;) {
      await condition(() => wake);
      wake = false;
      const answer = await askSumup(close);
      if (answer.status === 'PAID') return paid(answer);
      if (answer.status !== 'UNREADABLE') {
        delete view.reason;
        return finish(outcome);
      }
      view.reason = answer.reason;
    }
  }

  async function paid(payment: PaymentState): Promise<CheckoutView> {
    const settled = await settlePayment(orderId, payment, {
      enter,
      refundHandled: () => refundHandled,
      refundRetry: input.refundRetry,
    });
    showSettled(view, settled);
    return finish(settled.state);
  }

  function finish(state: CheckoutState): CheckoutView {
    enter(state);
    return view;
  }
}

/**
 * The order from the cart, and its claims: one step from generation 5. Before it, two, and
 * a claim that failed gave the order's lines back in a third. `made` runs once the order
 * exists, between the two steps where there are two, as older histories recorded it.
 */
async function openOrder(
  input: CreateOrderInput,
  made: (order: OrderSummary) => void,
): Promise<OpenOrderResult> {
  if (runsOneStepOpenAndConfirm()) {
    const opened = await db.openOrder(input);
    if (opened.kind === 'created') made(opened.order);
    return opened;
  }
  const created = await db.createOrderFromCart(input);
  if (created.kind !== 'created') return created;
  made(created.order);
  const { orderId } = created.order;
  const claim = await db.claimEntriesAndTickets({ orderId });
  if (!claim.claimed) {
    await db.releaseClaims({ orderId, outcome: 'failed', reason: 'lines_unavailable' });
  }
  return { ...created, claim };
}
