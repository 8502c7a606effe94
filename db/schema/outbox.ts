import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';
import { orders } from './orders.ts';

/**
 * Domain events (order.created, order.paid, ...), written in the same transaction as the
 * change they describe and delivered to subscribers at least once from here.
 */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    type: text('type').notNull(),
    /** Deduplicates: the same fact recorded twice is one event. */
    key: text('key').notNull(),
    orderId: integer('order_id').references(() => orders.id),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('outbox_events_key_key').on(t.key),
    check('outbox_events_type_format', sql`${t.type} ~ '^[a-z]+(\\.[a-z_]+)+$'`),
    index('outbox_events_unpublished_idx')
      .on(t.id)
      .where(sql`${t.publishedAt} IS NULL`),
    index('outbox_events_order_idx').on(t.orderId),
  ],
);
