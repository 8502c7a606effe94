import { log, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { checkoutStatusQuery, type CheckoutState, type CheckoutView } from './checkout-messages.ts';
import { runsLocalSteps } from './generations.ts';
import { CheckoutStatus } from './search-attributes.ts';

/**
 * States passed through on database steps alone, which run inside one workflow task: what
 * ops could see of them is committed together with the next state, so they are not
 * published on their own. Every other state may last (SumUp is slow, a timer, a person).
 */
const PASSING_STATES: readonly CheckoutState[] = ['creating_order', 'claiming'];

/**
 * The view a checkout-shaped workflow keeps of itself: answered by the status query, and
 * moved from state to state by `enter`, which stamps the step's time and keeps the
 * CheckoutStatus search attribute in step. `tag` sets other search attributes, published
 * with the next state (each upsert costs the server a visibility write).
 */
export function trackCheckout(initial: CheckoutState, fields: Partial<CheckoutView> = {}) {
  const view: CheckoutView = {
    workflowId: workflowInfo().workflowId,
    state: initial,
    steps: {},
    ...fields,
  };
  setHandler(checkoutStatusQuery, () => view);
  // Asked first of all: the generation's marker leads the history.
  const coalesce = runsLocalSteps();
  let pending: SearchAttributeUpdatePair[] = [];
  const tag = (pairs: SearchAttributeUpdatePair[]) => {
    if (coalesce) pending.push(...pairs);
    else upsertSearchAttributes(pairs);
  };
  const enter = (state: CheckoutState) => {
    view.state = state;
    view.steps[state] = new Date().toISOString();
    // The OrderId search attribute, which names the order on every line, may be pending.
    log.info('checkout state', {
      state,
      ...(view.orderId === undefined ? {} : { orderId: String(view.orderId) }),
    });
    tag([{ key: CheckoutStatus, value: state }]);
    if (coalesce && !PASSING_STATES.includes(state)) {
      // Later pairs for the same key win, as they would have one upsert at a time.
      upsertSearchAttributes([...new Map(pending.map((pair) => [pair.key.name, pair])).values()]);
      pending = [];
    }
  };
  return { view, enter, tag };
}
