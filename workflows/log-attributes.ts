import {
  workflowInfo,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { OrderId } from './search-attributes.ts';

/** Every log line of a checkout carries its order, once the order exists. */
const orderOnEveryLine: WorkflowOutboundCallsInterceptor = {
  getLogAttributes(input, next) {
    const orderId = workflowInfo().typedSearchAttributes.get(OrderId);
    return next(orderId === undefined ? input : { ...input, orderId });
  },
};

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [orderOnEveryLine],
});
