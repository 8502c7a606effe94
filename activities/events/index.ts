import type { Database } from '../../db/client.ts';
import { recordEvent, type DomainEvent } from './record-event.ts';

export type { DomainEvent, RecordedEvent } from './record-event.ts';

export function createEventActivities(db: Database) {
  return {
    // One transaction: the event and its deliveries commit together.
    recordEvent: (event: DomainEvent) => db.transaction((tx) => recordEvent(tx, event)),
  };
}
