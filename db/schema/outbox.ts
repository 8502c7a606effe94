import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns.ts';
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

export const subscriberStates = ['active', 'disabled'] as const;
export const subscriberState = pgEnum('event_subscriber_state', subscriberStates);

/**
 * Where events go: a URL, the event types it wants (none listed: all), and its Standard
 * Webhooks signing secret, sealed (db/sealed.ts). During a rotation the previous secret
 * signs too, until `previous_secret_until`.
 */
export const eventSubscribers = pgTable(
  'event_subscribers',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    url: text('url').notNull(),
    eventTypes: text('event_types')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    secretSealed: text('secret_sealed').notNull(),
    previousSecretSealed: text('previous_secret_sealed'),
    previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true }),
    state: subscriberState('state').notNull().default('active'),
    /** Why it was disabled: `gone` (it answered 410), or failing since when. */
    disabledReason: text('disabled_reason'),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    /** Since when every attempt has failed; cleared by a success. */
    failingSince: timestamp('failing_since', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('event_subscribers_url_key').on(t.url),
    check('event_subscribers_url_http', sql`${t.url} ~ '^https?://'`),
  ],
);

export const deliveryStates = ['pending', 'delivered'] as const;
export const deliveryState = pgEnum('event_delivery_state', deliveryStates);

/**
 * One event for one subscriber, made in the transaction that records the event. Pending
 * until the subscriber answers 2xx; a relay holds it for `leased_until` while it sends.
 */
export const eventDeliveries = pgTable(
  'event_deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    eventId: bigint('event_id', { mode: 'number' })
      .notNull()
      .references(() => outboxEvents.id),
    subscriberId: integer('subscriber_id')
      .notNull()
      .references(() => eventSubscribers.id, { onDelete: 'cascade' }),
    /** The event's order: one order's events reach a subscriber in the order they happened. */
    orderId: integer('order_id'),
    state: deliveryState('state').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    /** Which lease: only the relay holding it settles the delivery. */
    leaseToken: uuid('lease_token'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('event_deliveries_event_subscriber_key').on(t.eventId, t.subscriberId),
    // The relay's queue: what is due, oldest first.
    index('event_deliveries_due_idx')
      .on(t.nextAttemptAt, t.id)
      .where(sql`${t.state} = 'pending'`),
    // Ordering: is an earlier event of this order still pending for this subscriber?
    index('event_deliveries_order_queue_idx')
      .on(t.subscriberId, t.orderId, t.eventId)
      .where(sql`${t.state} = 'pending'`),
  ],
);

/** Every attempt to deliver, as ops read it: when, what came back, how long it took. */
export const eventDeliveryAttempts = pgTable(
  'event_delivery_attempts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: bigint('delivery_id', { mode: 'number' })
      .notNull()
      .references(() => eventDeliveries.id, { onDelete: 'cascade' }),
    /** The HTTP status, or null when no answer came (timeout, refused connection). */
    status: integer('status'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('event_delivery_attempts_delivery_idx').on(t.deliveryId)],
);
