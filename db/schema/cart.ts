import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { createdAt, hasShopper, updatedAt } from './columns.ts';
import { products } from './catalogue.ts';
import { orders } from './orders.ts';

/**
 * A product line in a shopper's cart. The owner is `user_id` when set (signed in), else
 * `session_id` (anonymous). Bookings and tickets sit in the cart as pending calendar
 * entries and tickets, not here. A paid line is soft-deleted and keeps its order.
 */
export const cartLines = pgTable(
  'cart_lines',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: text('user_id'),
    sessionId: text('session_id'),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id),
    quantity: integer('quantity').notNull(),
    orderId: integer('order_id').references((): AnyPgColumn => orders.id),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    hasShopper('cart_lines_has_shopper', t.userId, t.sessionId),
    check('cart_lines_quantity_positive', sql`${t.quantity} > 0`),
    // One live line per shopper and product: adding again raises the quantity.
    uniqueIndex('cart_lines_live_user_product_key')
      .on(t.userId, t.productId)
      .where(sql`${t.deletedAt} IS NULL AND ${t.userId} IS NOT NULL`),
    uniqueIndex('cart_lines_live_session_product_key')
      .on(t.sessionId, t.productId)
      .where(sql`${t.deletedAt} IS NULL AND ${t.userId} IS NULL`),
    index('cart_lines_order_idx').on(t.orderId),
  ],
);
