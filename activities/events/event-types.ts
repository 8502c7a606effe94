import { z } from 'zod';

// The events other services act on, one zod schema each: what we record is parsed by it,
// and /openapi.json publishes it under `webhooks`. A payload's `version` changes only when a
// field changes meaning or goes away; fields are added within a version.

export const EVENT_VERSION = 1;

const money = z.number().int().describe('Integer minor units of `currency`.');

const lineSchema = z.object({
  kind: z.enum(['product', 'booking', 'ticket']),
  id: z.number().int().describe('The cart line, calendar entry or ticket.'),
  title: z.string(),
  reason: z.string(),
  quantity: z.number().int().optional().describe('Of a product line, when not all of it.'),
});

const itemSchema = z.object({
  itemId: z.number().int(),
  kind: z.enum(['product', 'booking', 'ticket']),
  pageId: z.number().int().nullable().describe('The page the product, booking or ticket is on.'),
  productId: z.number().int().nullable(),
  calendarEntryId: z.number().int().nullable(),
  ticketId: z.number().int().nullable(),
  title: z.string(),
  quantity: z.number().int(),
  unitPriceMinor: money,
  amountMinor: money.describe('quantity × unitPriceMinor'),
  currency: z.string(),
});

export const orderSchema = z.object({
  orderId: z.number().int(),
  status: z.enum(['pending', 'paid', 'failed', 'expired', 'cancelled']),
  shopper: z.object({
    userId: z.string().nullable(),
    sessionId: z.string().nullable().describe('For an anonymous cart.'),
  }),
  pageId: z.number().int().nullable().describe('The page paid; null for a global checkout.'),
  currency: z.string(),
  totalMinor: money,
  items: z.array(itemSchema),
  sumupCheckoutId: z.string().nullable(),
  sumupTransactionId: z.string().nullable(),
  createdAt: z.string().describe('ISO 8601'),
  paidAt: z.string().nullable(),
});
export type OrderData = z.infer<typeof orderSchema>;

const bookingDecider = z
  .enum(['organiser', 'policy'])
  .describe("`policy`: unanswered for PROVISIONAL_BOOKING_DAYS, the page's policy answered.");

const refundSchema = z.object({
  refundId: z.number().int(),
  amountMinor: money,
  currency: z.string(),
  reason: z.string(),
  lines: z.array(lineSchema).describe('The lines refunded; empty for the whole payment.'),
});

const versioned = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ version: z.literal(EVENT_VERSION), order: orderSchema, ...shape });

export const eventSchemas = {
  'order.created': versioned({}).describe('An order was made from a cart; its lines are held.'),
  'order.paid': versioned({
    unhonoured: z
      .array(lineSchema)
      .describe('Paid lines that could not be honoured (sold out meanwhile): refund_due follows.'),
  }).describe('SumUp took the payment and the order is confirmed.'),
  'order.closed': versioned({
    outcome: z.enum(['expired', 'failed', 'cancelled']),
    reason: z.string().nullable(),
  }).describe('The order ended without payment; its lines went back to the cart.'),
  'order.refund_due': versioned({ refund: refundSchema }).describe(
    'Money taken is owed back: the refund notice, to the shopper and to ops.',
  ),
  'order.refunded': versioned({
    refund: refundSchema.extend({ by: z.enum(['sumup', 'ops']) }),
  }).describe('The money owed back was returned (through SumUp, or by ops by hand).'),
  'order.needs_attention': versioned({
    reason: z.string().describe("SumUp's answer: `sumup_unreadable…`."),
  }).describe(
    'SumUp would not say whether the shopper paid: ops look, and a recheck settles it (paid, or closed).',
  ),
  'order.cancelled': versioned({
    reason: z.string(),
    // Nullable within version 1: a field widened, its meaning unchanged when present.
    refund: refundSchema
      .nullable()
      .describe('null: what was left of the order cost nothing, so nothing is paid back.'),
  }).describe(
    'A paid order was cancelled by an admin: all that was left of it is refunded, its seats and times freed.',
  ),
  'booking.confirmed': versioned({
    booking: z.object({ entryId: z.number().int() }),
    decidedBy: bookingDecider,
  }).describe(
    'The organiser accepted a provisional booking, or left it unanswered on a page whose policy accepts: it is confirmed.',
  ),
  'booking.declined': versioned({
    booking: z.object({ entryId: z.number().int() }),
    decidedBy: bookingDecider,
    reason: z.string(),
    refund: refundSchema
      .nullable()
      .describe('null: the booking cost nothing, so nothing is paid back.'),
  }).describe(
    'The organiser declined a provisional booking, or left it unanswered on a page whose policy declines: refunded (when it cost something), its time freed.',
  ),
  'ticket.checked_in': versioned({
    ticket: z.object({
      ticketId: z.number().int(),
      entryId: z.number().int(),
      ticketTypeId: z.number().int().nullable(),
      checkedInAt: z.string().describe('ISO 8601'),
    }),
  }).describe(
    'A ticket of the order was checked in at the door (once; a repeat scan is not an event).',
  ),
  'order.payment_mismatch': versioned({
    paid: z.object({ amountMinor: money, currency: z.string() }),
    mismatches: z.array(z.string()).describe('Which of amount, currency, merchant, reference.'),
    refund: refundSchema,
  }).describe('SumUp took a payment that is not the order: never confirmed, refunded in full.'),
} as const;

export type EventType = keyof typeof eventSchemas;
export const eventTypes = Object.keys(eventSchemas) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;
export type RefundLine = z.infer<typeof lineSchema>;

/** The Standard Webhooks body: what a subscriber receives. */
export const envelopeOf = (type: string, createdAt: Date, data: unknown) => ({
  type,
  timestamp: createdAt.toISOString(),
  data,
});
