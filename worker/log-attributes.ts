import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * Every log line of an activity carries the order it works on: each activity of ours takes
 * `{ orderId, … }`.
 */
export const orderOnActivityLogs: ActivityInterceptorsFactory = () => {
  let orderId: unknown;
  return {
    inbound: {
      execute(input, next) {
        const [first] = input.args as [{ orderId?: unknown } | undefined];
        orderId = first?.orderId;
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next(orderId === undefined ? input : { ...input, orderId });
      },
    },
  };
};
