import { describe, expect, it } from 'vitest';
import { decideCheckIn } from '../activities/calendar/check-in.ts';
import { decideUnanswered } from '../activities/calendar/bookings.ts';
import { decideRefund, type RefundableItem } from '../activities/orders/admin-refunds.ts';
import type { tickets } from '../db/schema/index.ts';

// The rules the admin's actions decide on before they write: what a refund takes, and who
// goes in at the door.

const mugs: RefundableItem = {
  itemId: 1,
  kind: 'product',
  title: 'Mug',
  quantity: 3,
  refundedQuantity: 0,
  unitPriceMinor: 850,
  lineId: 11,
  ticketState: null,
  entryState: null,
};
const ticket: RefundableItem = {
  itemId: 2,
  kind: 'ticket',
  title: 'Gig',
  quantity: 1,
  refundedQuantity: 0,
  unitPriceMinor: 1500,
  lineId: 21,
  ticketState: 'confirmed',
  entryState: null,
};
const booking: RefundableItem = {
  itemId: 3,
  kind: 'booking',
  title: 'Room',
  quantity: 1,
  refundedQuantity: 0,
  unitPriceMinor: 4000,
  lineId: 31,
  ticketState: null,
  entryState: 'provisional',
};
const paid = { status: 'paid', totalMinor: 3 * 850 + 1500 };

describe('deciding a refund', () => {
  it('takes part of a product line, or all that is left of it', () => {
    expect(
      decideRefund(paid, [mugs], 0, {
        kind: 'lines',
        lines: [{ itemId: 1, quantity: 2 }],
        reason: 'r',
      }),
    ).toMatchObject({ kind: 'refund', amountMinor: 1700, lines: [{ id: 11, quantity: 2 }] });
    expect(
      decideRefund(paid, [{ ...mugs, refundedQuantity: 2 }], 1700, {
        kind: 'lines',
        lines: [{ itemId: 1 }],
        reason: 'r',
      }),
    ).toMatchObject({ kind: 'refund', amountMinor: 850, lines: [{ quantity: 1 }] });
  });

  it('refuses more than was bought, a line refunded already, an unknown item, a checked-in ticket', () => {
    const lines = (itemId: number, quantity?: number) => ({
      kind: 'lines' as const,
      lines: [{ itemId, ...(quantity ? { quantity } : {}) }],
      reason: 'r',
    });
    expect(decideRefund(paid, [mugs], 0, lines(1, 4))).toMatchObject({
      code: 'quantity_above_bought',
      field: 'body.lines[0].quantity',
    });
    expect(decideRefund(paid, [{ ...mugs, refundedQuantity: 3 }], 2550, lines(1))).toMatchObject({
      status: 409,
      code: 'line_already_refunded',
    });
    expect(decideRefund(paid, [mugs], 0, lines(9))).toMatchObject({
      status: 400,
      code: 'unknown_item',
    });
    const checkedIn = { ...ticket, ticketState: 'checked_in' };
    expect(decideRefund(paid, [checkedIn], 0, lines(2))).toMatchObject({
      code: 'ticket_checked_in',
    });
    expect(decideRefund(paid, [checkedIn], 0, { ...lines(2), force: true })).toMatchObject({
      kind: 'refund',
      amountMinor: 1500,
    });
  });

  it('never refunds more than is left: goodwill amounts count, and a cancel takes the rest', () => {
    expect(
      decideRefund(paid, [mugs, ticket], 3000, { kind: 'amount', amountMinor: 1051, reason: 'r' }),
    ).toEqual({
      kind: 'refused',
      status: 409,
      code: 'refund_exceeds_paid',
      message: 'More than is left to refund.',
      field: 'body.amountMinor',
      amountLeftMinor: 1050,
    });
    expect(
      decideRefund(paid, [mugs, ticket], 3000, {
        kind: 'lines',
        lines: [{ itemId: 2 }],
        reason: 'r',
      }),
    ).toMatchObject({ code: 'refund_exceeds_paid', amountLeftMinor: 1050 });
    expect(decideRefund(paid, [mugs, ticket], 3000, { kind: 'cancel', reason: 'r' })).toMatchObject(
      {
        kind: 'refund',
        amountMinor: 1050,
        lines: [
          { id: 11, quantity: 3 },
          { id: 21, quantity: 1 },
        ],
      },
    );
    expect(
      decideRefund(paid, [mugs], paid.totalMinor, { kind: 'cancel', reason: 'r' }),
    ).toMatchObject({
      code: 'nothing_left_to_refund',
    });
    // A free line has nothing to pay back.
    expect(
      decideRefund(paid, [{ ...mugs, unitPriceMinor: 0 }], 0, {
        kind: 'lines',
        lines: [{ itemId: 1 }],
        reason: 'r',
      }),
    ).toMatchObject({ status: 409, code: 'nothing_to_refund' });
    expect(
      decideRefund({ ...paid, status: 'expired' }, [mugs], 0, {
        kind: 'amount',
        amountMinor: 1,
        reason: 'r',
      }),
    ).toMatchObject({ code: 'order_not_paid' });
  });
});

describe('declining a booking', () => {
  const withBooking = { status: 'paid', totalMinor: 4000 + 850 * 3 };
  it('refunds a provisional booking, and refuses one that is not, or not in the order', () => {
    expect(
      decideRefund(withBooking, [mugs, booking], 0, { kind: 'decline', entryId: 31, reason: 'r' }),
    ).toMatchObject({ kind: 'refund', amountMinor: 4000, lines: [{ kind: 'booking', id: 31 }] });
    expect(
      decideRefund(withBooking, [mugs, { ...booking, entryState: 'confirmed' }], 0, {
        kind: 'decline',
        entryId: 31,
        reason: 'r',
      }),
    ).toMatchObject({ status: 409, code: 'booking_not_provisional', field: 'path.entryId' });
    expect(
      decideRefund(withBooking, [mugs, booking], 0, { kind: 'decline', entryId: 99, reason: 'r' }),
    ).toMatchObject({ status: 404, code: 'booking_not_found' });
  });

  it('declines a free booking with nothing owed, alone or beside paid lines', () => {
    const free = { ...booking, unitPriceMinor: 0 };
    const decline = { kind: 'decline' as const, entryId: 31, reason: 'r' };
    const declined = {
      kind: 'nothing_owed',
      lines: [{ itemId: 3, kind: 'booking', id: 31, quantity: 1 }],
    };
    expect(decideRefund({ status: 'paid', totalMinor: 0 }, [free], 0, decline)).toMatchObject(
      declined,
    );
    // Beside paid mugs: only the booking ends, and none of the mugs' money goes back.
    expect(decideRefund({ status: 'paid', totalMinor: 3 * 850 }, [mugs, free], 0, decline)).toEqual(
      { ...declined, lines: [expect.objectContaining(declined.lines[0])] },
    );
  });
});

describe('cancelling an order whose lines cost nothing', () => {
  const freeTicket = { ...ticket, unitPriceMinor: 0 };
  const freeBooking = { ...booking, unitPriceMinor: 0 };
  const cancel = { kind: 'cancel' as const, reason: 'r' };

  it('ends every line of a free order with nothing owed', () => {
    expect(
      decideRefund({ status: 'paid', totalMinor: 0 }, [freeTicket, freeBooking], 0, cancel),
    ).toMatchObject({
      kind: 'nothing_owed',
      lines: [
        { kind: 'ticket', id: 21, quantity: 1 },
        { kind: 'booking', id: 31, quantity: 1 },
      ],
    });
  });

  it('ends the free lines left once the paid ones were refunded, and refuses when nothing is left', () => {
    const order = { status: 'paid', totalMinor: 3 * 850 };
    const refundedMugs = { ...mugs, refundedQuantity: 3 };
    expect(decideRefund(order, [refundedMugs, freeBooking], 2550, cancel)).toMatchObject({
      kind: 'nothing_owed',
      lines: [{ kind: 'booking', id: 31 }],
    });
    expect(
      decideRefund(order, [refundedMugs, { ...freeBooking, refundedQuantity: 1 }], 2550, cancel),
    ).toMatchObject({ status: 409, code: 'nothing_left_to_refund' });
  });

  it('still refunds what is left when paid lines remain beside the free ones', () => {
    expect(
      decideRefund({ status: 'paid', totalMinor: 3 * 850 }, [mugs, freeTicket], 0, cancel),
    ).toMatchObject({ kind: 'refund', amountMinor: 2550, lines: [{ id: 11 }, { id: 21 }] });
  });
});

describe('deciding a check-in', () => {
  const at = new Date('2027-03-05T19:30:00Z');
  const row = (state: string, checkedInAt: Date | null = null) =>
    ({ entryId: 5, state, checkedInAt }) as typeof tickets.$inferSelect;

  it('lets a confirmed ticket in once, and says when a checked-in one first went in', () => {
    expect(decideCheckIn(row('confirmed'), 5, at)).toEqual({ kind: 'checked_in', at });
    const first = new Date('2027-03-05T19:00:00Z');
    expect(decideCheckIn(row('checked_in', first), undefined, at)).toEqual({
      kind: 'already_checked_in',
      at: first,
    });
  });

  it('turns away an unpaid or cancelled ticket, and one for another entry', () => {
    for (const state of ['pending', 'reserved', 'cancelled']) {
      expect(decideCheckIn(row(state), 5, at)).toEqual({ kind: 'not_confirmed', state });
    }
    expect(decideCheckIn(row('confirmed'), 6, at)).toEqual({ kind: 'other_entry', entryId: 5 });
  });
});

describe('answering a booking the organiser left unanswered', () => {
  const answerBy = Date.UTC(2026, 11, 6, 12);
  it('waits until the deadline, then does what the page says', () => {
    expect(decideUnanswered(answerBy, answerBy - 1, 'decline')).toBe('wait');
    expect(decideUnanswered(answerBy, answerBy, 'decline')).toBe('decline');
    expect(decideUnanswered(answerBy, answerBy + 86_400_000, 'accept')).toBe('accept');
  });
});
