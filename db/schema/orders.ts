import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  foreignKey,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import {
  createdAt,
  currency,
  hasShopper,
  isoCurrency,
  minorUnits,
  nonNegative,
  secretText,
  updatedAt,
} from './columns.ts';
import { calendarEntries, tickets } from './calendar.ts';
import { cartLines } from './cart.ts';
import { products } from './catalogue.ts';
import { pages, pageSumupCredentials } from './pages.ts';

export const orderStatuses = ['pending', 'paid', 'failed', 'expired', 'cancelled'] as const;
export type OrderStatus = (typeof orderStatuses)[number];
export const orderStatus = pgEnum('order_status', orderStatuses);

/** Money taken that could not be honoured: owed back, then returned. */
export const refundStates = ['refund_due', 'refunded'] as const;
export type RefundState = (typeof refundStates)[number];
export const refundState = pgEnum('order_refund_state', refundStates);

export const orderItemKinds = ['product', 'booking', 'ticket'] as const;
export type OrderItemKind = (typeof orderItemKinds)[number];
export const orderItemKind = pgEnum('order_item_kind', orderItemKinds);

export const orders = pgTable(
  'orders',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** Names the order in browser-facing URLs; sequential ids never leave the server. */
    publicToken: text('public_token')
      .notNull()
      .default(sql`replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')`),
    /** Makes order creation idempotent: the checkout workflow's key for this order. */
    idempotencyKey: text('idempotency_key').notNull(),
    userId: text('user_id'),
    sessionId: text('session_id'),
    /** The page whose merchant is paid; null for a global checkout (the default merchant). */
    pageId: integer('page_id').references(() => pages.id),
    /**
     * The SumUp merchant the order was made for, so that its checkout is read, closed and
     * refunded with that merchant's key even after the page (or the default merchant) changes:
     * the page's current merchant, or the default merchant for a global order. Null for an
     * order made before it was kept (for a global one: the default merchant of the time), or
     * for a page that had no credentials yet: then whichever merchant pays now.
     */
    sumupMerchantCode: secretText('sumup_merchant_code'),
    status: orderStatus('status').notNull().default('pending'),
    refundState: refundState('refund_state'),
    currency: currency().notNull(),
    totalMinor: minorUnits('total_minor').notNull(),
    workflowId: text('workflow_id').notNull(),
    /** The run that made the order: a webhook must wake that run, not a later checkout. */
    workflowRunId: text('workflow_run_id'),
    checkoutReference: text('checkout_reference'),
    sumupCheckoutId: text('sumup_checkout_id'),
    hostedCheckoutUrl: text('hosted_checkout_url'),
    sumupTransactionId: text('sumup_transaction_id'),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** When the payments sweeper last asked SumUp about this unsettled order. */
    paymentCheckedAt: timestamp('payment_checked_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('orders_public_token_key').on(t.publicToken),
    unique('orders_idempotency_key_key').on(t.idempotencyKey),
    // One SumUp checkout per order, and one order per SumUp checkout.
    unique('orders_checkout_reference_key').on(t.checkoutReference),
    unique('orders_sumup_checkout_id_key').on(t.sumupCheckoutId),
    hasShopper('orders_has_shopper', t.userId, t.sessionId),
    // A page's order names a merchant whose credentials the page keeps (MATCH SIMPLE: a
    // global order, with no page, is not checked).
    foreignKey({
      name: 'orders_page_merchant_fkey',
      columns: [t.pageId, t.sumupMerchantCode],
      foreignColumns: [pageSumupCredentials.pageId, pageSumupCredentials.merchantCode],
    }),
    nonNegative('orders_total_non_negative', t.totalMinor),
    isoCurrency('orders_currency_iso', t.currency),
    check('orders_paid_has_time', sql`${t.status} <> 'paid' OR ${t.paidAt} IS NOT NULL`),
    index('orders_user_created_idx').on(t.userId, t.createdAt.desc()),
    index('orders_session_created_idx').on(t.sessionId, t.createdAt.desc()),
    index('orders_workflow_idx').on(t.workflowId),
    // The sweeper's candidates: orders that are not paid, least recently checked first.
    index('orders_unsettled_idx')
      .on(t.status, t.paymentCheckedAt)
      .where(sql`${t.status} <> 'paid' AND ${t.refundState} IS NULL`),
    index('orders_refund_state_idx')
      .on(t.refundState)
      .where(sql`${t.refundState} IS NOT NULL`),
  ],
);

/** A line of the order, as the cart held it when the order was made. */
export const orderItems = pgTable(
  'order_items',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    kind: orderItemKind('kind').notNull(),
    productId: integer('product_id').references(() => products.id),
    cartLineId: integer('cart_line_id').references((): AnyPgColumn => cartLines.id),
    calendarEntryId: integer('calendar_entry_id').references((): AnyPgColumn => calendarEntries.id),
    ticketId: integer('ticket_id').references((): AnyPgColumn => tickets.id),
    title: text('title').notNull(),
    quantity: integer('quantity').notNull(),
    unitPriceMinor: minorUnits('unit_price_minor').notNull(),
    currency: currency().notNull(),
    /**
     * Whether the item's order is still pending, so that it holds its cart line, booking or
     * ticket. Kept by the trigger `orders_release_items` (migration 0005): the order leaving
     * `pending`, whichever way, frees the line.
     */
    open: boolean('open').notNull().default(true),
    /** How much of the quantity was refunded after payment (an admin refund or cancel). */
    refundedQuantity: integer('refunded_quantity').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    check('order_items_quantity_positive', sql`${t.quantity} > 0`),
    check(
      'order_items_refunded_within_quantity',
      sql`${t.refundedQuantity} BETWEEN 0 AND ${t.quantity}`,
    ),
    nonNegative('order_items_unit_price_non_negative', t.unitPriceMinor),
    isoCurrency('order_items_currency_iso', t.currency),
    check(
      'order_items_kind_matches_reference',
      sql`(${t.kind} = 'product' AND ${t.productId} IS NOT NULL AND ${t.calendarEntryId} IS NULL AND ${t.ticketId} IS NULL)
       OR (${t.kind} = 'booking' AND ${t.calendarEntryId} IS NOT NULL AND ${t.productId} IS NULL AND ${t.ticketId} IS NULL AND ${t.quantity} = 1)
       OR (${t.kind} = 'ticket' AND ${t.ticketId} IS NOT NULL AND ${t.productId} IS NULL AND ${t.calendarEntryId} IS NULL AND ${t.quantity} = 1)`,
    ),
    // An order claims each ticket, entry and cart line once.
    unique('order_items_order_ticket_key').on(t.orderId, t.ticketId),
    unique('order_items_order_entry_key').on(t.orderId, t.calendarEntryId),
    unique('order_items_order_cart_line_key').on(t.orderId, t.cartLineId),
    // And one open order holds each of them at a time, whichever checkout (scope, replica)
    // made it: a second order taking the same line fails here, however it raced.
    uniqueIndex('order_items_open_cart_line_key')
      .on(t.cartLineId)
      .where(sql`${t.open}`),
    uniqueIndex('order_items_open_entry_key')
      .on(t.calendarEntryId)
      .where(sql`${t.open}`),
    uniqueIndex('order_items_open_ticket_key')
      .on(t.ticketId)
      .where(sql`${t.open}`),
    index('order_items_order_idx').on(t.orderId),
  ],
);
