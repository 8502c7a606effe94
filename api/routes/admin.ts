import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Response } from 'express';
import { z } from 'zod';
import { orders } from '../../db/schema/index.ts';
import { acceptBooking, bookingOrderId } from '../../activities/calendar/bookings.ts';
import type { RefundRequest } from '../../workflows/order-messages.ts';
import { askOrder } from '../../temporal/order-actions.ts';
import { adminOf } from '../auth.ts';
import { checkInTicket } from '../../activities/calendar/check-in.ts';
import type { Database } from '../../db/client.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { idempotencyOf } from '../idempotency.ts';
import { bodyId, pathId } from '../ids.ts';
import { ApiProblem, problemResponses } from '../problem.ts';

const admin = { access: 'admin', tag: 'admin' } as const;

/** 409: the booking or ticket is not in a state that allows this; its state is said. */
const inState = (code: string, what: 'booking' | 'ticket', state: string, field: string) =>
  new ApiProblem(
    409,
    code,
    `The ${what} is ${state}: not in a state that allows this.`,
    [{ field, message: `${what} ${state}` }],
    { state },
  );

const ticketCode = z.object({
  code: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'a ticket code: 32 hexadecimal characters')
    .describe('The code on the ticket, as the door scans it.'),
});
const checkInBody = z
  .object({ entryId: bodyId.optional().describe('The entry at this door: another is refused.') })
  .strict();
const checkedIn = z.object({
  ticketId: z.number().int(),
  entryId: z.number().int(),
  ticketTypeId: z.number().int().nullable(),
  orderId: z.number().int().nullable(),
  checkedInAt: z.string(),
  alreadyCheckedIn: z.boolean().describe('True when it had been checked in before: at that time.'),
});

const reason = z.string().trim().min(1).max(500).describe('Why: the shopper sees it.');
const refundBody = z.union([
  z
    .object({
      lines: z
        .array(
          z
            .object({
              itemId: bodyId.describe("The order item (`items[].itemId` in the order's events)."),
              quantity: z
                .number()
                .int()
                .positive()
                .max(10_000)
                .optional()
                .describe('How many of a product line; all that is left when absent.'),
            })
            .strict(),
        )
        .min(1)
        .max(100),
      reason,
      force: z.boolean().optional().describe('Refund a checked-in ticket too.'),
    })
    .strict(),
  z
    .object({
      amountMinor: z
        .number()
        .int()
        .positive()
        .max(1_000_000_000)
        .describe('A goodwill amount, in minor units.'),
      reason,
    })
    .strict(),
]);
const cancelBody = z.object({ reason, force: z.boolean().optional() }).strict();
const refundAnswer = z.object({
  refundId: z.number().int(),
  state: z.enum(['due', 'issued', 'failed', 'handled']),
  amountMinor: z.number().int(),
  currency: z.string(),
});
/** A decline or cancel of lines that cost nothing: done now, with no refund to follow. */
const nothingOwedAnswer = (state: 'declined' | 'cancelled') =>
  z.object({
    refundId: z.null().describe('No refund: the lines cost nothing.'),
    state: z.literal(state).describe('What the lines became.'),
    amountMinor: z.literal(0),
    currency: z.string(),
  });
const orderParams = z.object({ orderId: pathId });
const entryParams = z.object({ entryId: pathId });

/** The admin API: what staff and back-office services do (`API_ADMIN_TOKENS`), audited. */
export function adminEndpoints(db: Database, client: Client, taskQueue: string): Endpoint[] {
  /**
   * Hands the request to the order's workflow (started if it is not running), which takes
   * one action at a time: answered once the refund is recorded; SumUp is paid back after.
   */
  async function refund(orderId: number, request: RefundRequest, res: Response) {
    const [order] = await db.select({ id: orders.id }).from(orders).where(eq(orders.id, orderId));
    if (!order) throw new ApiProblem(404, 'order_not_found', 'No such order.');
    // Required on these endpoints (app.ts mounts the keys), so always there.
    const { owner, key } = idempotencyOf(res)!;
    const answer = await askOrder(client, taskQueue, {
      orderId,
      request,
      actor: adminOf(res),
      // The refund's own key is the admin's Idempotency-Key: should its kept answer be gone,
      // the refund row (`admin:<requestId>`) still makes a retry the same refund.
      requestId: `${owner}:${key}`,
    });
    if (answer.kind === 'refused') {
      throw new ApiProblem(
        answer.status,
        answer.code,
        answer.message,
        answer.field ? [{ field: answer.field, message: answer.message }] : [],
        answer.amountLeftMinor !== undefined ? { amountLeftMinor: answer.amountLeftMinor } : {},
      );
    }
    if (answer.kind === 'nothing_owed') {
      // Done, and nothing follows at SumUp: 200, where a refund to send is 202.
      res.status(200).json({
        refundId: null,
        state: answer.state,
        amountMinor: answer.amountMinor,
        currency: answer.currency,
      });
      return;
    }
    res.status(202).json({
      refundId: answer.refundId,
      state: answer.state,
      amountMinor: answer.amountMinor,
      currency: answer.currency,
    });
  }
  const refundResponses = {
    202: { description: 'Recorded; SumUp pays it back next.', schema: refundAnswer },
    // 422 and 428 come with the required Idempotency-Key (api/openapi.ts).
    ...problemResponses(400, 404, 409),
  };
  /** Money goes back: a double click, or a retry after a timeout, must not send it twice. */
  const keyed = { idempotencyKey: 'required' } as const;

  return [
    endpoint(
      {
        ...admin,
        ...keyed,
        method: 'post',
        path: '/v1/admin/orders/:orderId/refunds',
        summary: 'Refund lines of a paid order (or part of a line), or a goodwill amount',
        params: orderParams,
        body: refundBody,
        responses: refundResponses,
      },
      ({ params, body }, _req, res) =>
        refund(
          params.orderId,
          'lines' in body ? { kind: 'lines', ...body } : { kind: 'amount', ...body },
          res,
        ),
    ),
    endpoint(
      {
        ...admin,
        ...keyed,
        method: 'post',
        path: '/v1/admin/orders/:orderId/cancel',
        summary: 'Cancel a paid order: refund all that is not refunded yet',
        params: orderParams,
        body: cancelBody,
        responses: {
          200: {
            description:
              'Cancelled with nothing to pay back: what was left of the order cost nothing.',
            schema: nothingOwedAnswer('cancelled'),
          },
          ...refundResponses,
        },
      },
      ({ params, body }, _req, res) => refund(params.orderId, { kind: 'cancel', ...body }, res),
    ),
    endpoint(
      {
        ...admin,
        method: 'post',
        path: '/v1/admin/bookings/:entryId/accept',
        summary: 'Accept a provisional booking: confirmed',
        params: entryParams,
        responses: {
          200: {
            description: 'Confirmed.',
            schema: z.object({ entryId: z.number().int(), state: z.literal('confirmed') }),
          },
          ...problemResponses(400, 404, 409),
        },
      },
      async ({ params }, _req, res) => {
        const accepted = await acceptBooking(db, params.entryId);
        if (accepted.kind === 'not_found') {
          throw new ApiProblem(404, 'booking_not_found', 'No booking of an order has that id.');
        }
        if (accepted.kind === 'not_provisional') {
          throw inState('booking_not_provisional', 'booking', accepted.state, 'path.entryId');
        }
        res.json({ entryId: params.entryId, state: 'confirmed' });
      },
    ),
    endpoint(
      {
        ...admin,
        ...keyed,
        method: 'post',
        path: '/v1/admin/bookings/:entryId/decline',
        summary: 'Decline a provisional booking: its line refunded, its time freed',
        params: entryParams,
        body: z.object({ reason }).strict(),
        responses: {
          200: {
            description: 'Declined with nothing to pay back: the booking cost nothing.',
            schema: nothingOwedAnswer('declined'),
          },
          ...refundResponses,
        },
      },
      async ({ params, body }, _req, res) => {
        const orderId = await bookingOrderId(db, params.entryId);
        if (orderId === undefined) {
          throw new ApiProblem(404, 'booking_not_found', 'No booking of an order has that id.');
        }
        await refund(
          orderId,
          { kind: 'decline', entryId: params.entryId, reason: body.reason },
          res,
        );
      },
    ),
    endpoint(
      {
        ...admin,
        method: 'post',
        path: '/v1/admin/tickets/:code/check-in',
        summary: 'Check a ticket in at the door (again: when it first was)',
        params: ticketCode,
        body: checkInBody,
        responses: {
          200: { description: 'Checked in, now or before.', schema: checkedIn },
          ...problemResponses(400, 403, 404, 409),
        },
      },
      async ({ params, body }, _req, res) => {
        const done = await checkInTicket(db, params.code, body.entryId);
        if (!done) throw new ApiProblem(404, 'ticket_not_found', 'No ticket has that code.');
        const { ticket, outcome } = done;
        if (outcome.kind === 'other_entry') {
          throw new ApiProblem(
            409,
            'ticket_for_another_entry',
            'The ticket is for another entry.',
            [{ field: 'body.entryId', message: `the ticket is for entry ${outcome.entryId}` }],
          );
        }
        if (outcome.kind === 'not_confirmed') {
          throw inState('ticket_not_valid', 'ticket', outcome.state, 'path.code');
        }
        res.json({
          ticketId: ticket.id,
          entryId: ticket.entryId,
          ticketTypeId: ticket.ticketTypeId,
          orderId: ticket.orderId,
          checkedInAt: outcome.at.toISOString(),
          alreadyCheckedIn: outcome.kind === 'already_checked_in',
        });
      },
    ),
  ];
}
