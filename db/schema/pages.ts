import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import {
  createdAt,
  currency,
  externalRef,
  isoCurrency,
  retiredAt,
  secretText,
  updatedAt,
} from './columns.ts';

/** What becomes of a paid booking the organiser leaves unanswered (PROVISIONAL_BOOKING_DAYS). */
export const unansweredBookingPolicies = ['accept', 'decline'] as const;
export type UnansweredBookingPolicy = (typeof unansweredBookingPolicies)[number];
export const unansweredBookingPolicy = pgEnum(
  'unanswered_booking_policy',
  unansweredBookingPolicies,
);

/** A container that owns markets and calendars: a venue, a shop. Checkouts can be per page. */
export const pages = pgTable('pages', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  slug: text('slug').notNull().unique('pages_slug_key'),
  title: text('title').notNull(),
  /** The shopper paid: silence keeps the booking unless the page says otherwise. */
  unansweredBookings: unansweredBookingPolicy('unanswered_bookings').notNull().default('accept'),
  ref: externalRef().unique('pages_ref_key'),
  retiredAt: retiredAt(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** What a page's checkout needs that is not secret. */
export const pagePaymentSettings = pgTable(
  'page_payment_settings',
  {
    pageId: integer('page_id')
      .primaryKey()
      .references(() => pages.id, { onDelete: 'cascade' }),
    checkoutReferencePrefix: text('checkout_reference_prefix').notNull(),
    currency: currency().notNull(),
    /** Refunds for tickets that could not be honoured go out through SumUp automatically. */
    autoRefund: boolean('auto_refund').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check(
      'page_payment_settings_prefix_format',
      sql`${t.checkoutReferencePrefix} ~ '^[A-Za-z0-9_-]{1,20}$'`,
    ),
    isoCurrency('page_payment_settings_currency_iso', t.currency),
  ],
);

/**
 * A page's SumUp credentials: one row per merchant the page has been paid through, the one it
 * pays now `current`. A table of their own, so that no query of pages or settings ever selects
 * them; the API key sealed with CREDENTIALS_KEYS (db/queries/sumup-credentials.ts). Earlier
 * merchants are kept because their orders still need them: each order names the merchant it
 * was made for (`orders.sumup_merchant_code`), and reads, closes and refunds it with that
 * merchant's key, whatever the page pays now.
 */
export const pageSumupCredentials = pgTable(
  'page_sumup_credentials',
  {
    pageId: integer('page_id')
      .notNull()
      .references(() => pages.id, { onDelete: 'cascade' }),
    merchantCode: secretText('merchant_code').notNull(),
    /** The merchant the page's new checkouts pay; one per page at most. */
    current: boolean('current').notNull().default(true),
    /** AES-256-GCM under a key of CREDENTIALS_KEYS, with the key's id (db/sealed.ts). */
    apiKeySealed: text('api_key_sealed'),
    /** What may be shown of the key. */
    apiKeyLast4: text('api_key_last4'),
    /** Keys stored before migration 0010, in clear until migrating seals them; then null. */
    apiKey: secretText('api_key'),
    createdAt: createdAt(),
    /** When the credentials were last set. */
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ name: 'page_sumup_credentials_pkey', columns: [t.pageId, t.merchantCode] }),
    uniqueIndex('page_sumup_credentials_current_key')
      .on(t.pageId)
      .where(sql`${t.current}`),
    check(
      'page_sumup_credentials_key_sealed_or_clear',
      sql`(${t.apiKeySealed} IS NULL) <> (${t.apiKey} IS NULL) AND (${t.apiKeySealed} IS NULL) = (${t.apiKeyLast4} IS NULL)`,
    ),
  ],
);
