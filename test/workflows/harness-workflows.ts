import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import type { DomainEvent, RecordedEvent } from '../../activities/events/index.ts';

const { recordEvent } = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds' });

/** Records one event through the real activity, twice, as a retried activity would. */
export async function recordEventTwice(
  event: DomainEvent,
): Promise<[RecordedEvent, RecordedEvent]> {
  const first = await recordEvent(event);
  const second = await recordEvent(event);
  return [first, second];
}

/** Waits a long durable timer, then records an event: needs the time-skipping server. */
export async function recordEventAfter(delay: string, event: DomainEvent): Promise<RecordedEvent> {
  await sleep(delay);
  return recordEvent(event);
}
