import { log, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { checkoutStatusQuery, type CheckoutState, type CheckoutView } from './checkout-messages.ts';
import { CheckoutStatus } from './search-attributes.ts';

/**
 * The view a checkout-shaped workflow keeps of itself: answered by the status query, and
 * moved from state to state by `enter`, which stamps the step's time and keeps the
 * CheckoutStatus search attribute in step.
 */
export function trackCheckout(initial: CheckoutState, fields: Partial<CheckoutView> = {}) {
  const view: CheckoutView = {
    workflowId: workflowInfo().workflowId,
    state: initial,
    steps: {},
    ...fields,
  };
  setHandler(checkoutStatusQuery, () => view);
  const enter = (state: CheckoutState) => {
    view.state = state;
    view.steps[state] = new Date().toISOString();
    upsertSearchAttributes([{ key: CheckoutStatus, value: state }]);
    log.info('checkout state', { state });
  };
  return { view, enter };
}
