import type { Database } from '../../db/client.ts';
import { recordOrderEvent } from './order-events.ts';
import { recordEvent, type DomainEvent } from './record-event.ts';

export type { DomainEvent, RecordedEvent } from './record-event.ts';

export function createEventActivities(db: Database) {
  return {
    // One transaction: the event and its deliveries commit together.
    recordEvent: (event: DomainEvent) => db.transaction((tx) => recordEvent(tx, event)),
    /** Once per workflow that waits for ops on the order. */
    recordNeedsAttention: (input: { orderId: number; workflowId: string; reason: string }) =>
      db.transaction((tx) =>
        recordOrderEvent(
          tx,
          'order.needs_attention',
          input.orderId,
          `order.needs_attention:${input.orderId}:${input.workflowId}`,
          { reason: input.reason },
        ),
      ),
  };
}
