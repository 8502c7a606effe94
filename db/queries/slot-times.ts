import type { SlotTimes, Weekday } from '../schema/index.ts';

// When a slot may be booked: on its days, starting and ending within one of its times, in
// its calendar's time zone. One rule for the admin API (what a slot may say) and the cart
// (what a booking may ask).

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Why a slot's times cannot be: the index of the first one at fault and what is wrong. */
export function slotTimesProblem(
  times: SlotTimes[],
): { index: number; message: string } | undefined {
  for (const [index, time] of times.entries()) {
    if (!HH_MM.test(time.start) || !HH_MM.test(time.end)) {
      return { index, message: 'times are HH:MM, 00:00 to 24:00' };
    }
    if (minutesOf(time.end) <= minutesOf(time.start)) {
      return { index, message: 'ends before it starts' };
    }
  }
  const sorted = times
    .map((time, index) => ({ index, start: minutesOf(time.start), end: minutesOf(time.end) }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start < sorted[i - 1]!.end) {
      return {
        index: Math.max(sorted[i]!.index, sorted[i - 1]!.index),
        message: 'overlaps another time',
      };
    }
  }
  return undefined;
}

/** True when `timeZone` is one the runtime knows (an IANA name, or UTC). */
export function knownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Whether a booking of `durationMinutes` from `startsAt` fits the slot's days and times. */
export function slotOpenAt(
  slot: { days: Weekday[]; times: SlotTimes[]; durationMinutes: number },
  timeZone: string,
  startsAt: Date,
): boolean {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(startsAt);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  const day = part('weekday').toLowerCase() as Weekday;
  const start = Number(part('hour')) * 60 + Number(part('minute'));
  const end = start + slot.durationMinutes;
  return (
    slot.days.includes(day) &&
    slot.times.some((time) => minutesOf(time.start) <= start && end <= minutesOf(time.end))
  );
}
