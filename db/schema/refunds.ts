import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { createdAt, currency, isoCurrency, minorUnits, updatedAt } from './columns.ts';
import { orders } from './orders.ts';
import type { LineProblem } from '../../workflows/checkout-types.ts';

/**
 * due: owed and recorded (the refund notice); issued: SumUp accepted it; failed: SumUp
 * refused it for good; handled: ops settled it by hand.
 */
export const refundStatuses = ['due', 'issued', 'failed', 'handled'] as const;
export type RefundStatus = (typeof refundStatuses)[number];
export const refundStatus = pgEnum('refund_status', refundStatuses);

export const refunds = pgTable(
  'refunds',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    /** What the refund is for, unique per order, so that recording it twice records it once. */
    key: text('key').notNull(),
    amountMinor: minorUnits('amount_minor').notNull(),
    currency: currency().notNull(),
    reason: text('reason').notNull(),
    /** Who asked: the admin token's name (or `ops`); null when the engine owed it. */
    requestedBy: text('requested_by'),
    /** The lines refunded, as the refund's events name them; empty for a whole payment. */
    lines: jsonb('lines').$type<LineProblem[]>().notNull().default([]),
    status: refundStatus('status').notNull().default('due'),
    sumupTransactionId: text('sumup_transaction_id'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    issuedAt: timestamp('issued_at', { withTimezone: true }),
    handledAt: timestamp('handled_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('refunds_order_key_key').on(t.orderId, t.key),
    check('refunds_amount_positive', sql`${t.amountMinor} > 0`),
    isoCurrency('refunds_currency_iso', t.currency),
    check('refunds_issued_has_time', sql`${t.status} <> 'issued' OR ${t.issuedAt} IS NOT NULL`),
    check('refunds_handled_has_time', sql`${t.status} <> 'handled' OR ${t.handledAt} IS NOT NULL`),
    index('refunds_open_idx')
      .on(t.status)
      .where(sql`${t.status} IN ('due', 'failed')`),
  ],
);
