import type { Database } from '../../db/client.ts';
import { recordEvent, type DomainEvent } from './record-event.ts';

export type { DomainEvent, RecordedEvent } from './record-event.ts';

export function createEventActivities(db: Database) {
  return {
    recordEvent: (event: DomainEvent) => recordEvent(db, event),
  };
}
