import { boolean, integer, pgTable, text, unique } from 'drizzle-orm/pg-core';
import {
  createdAt,
  currency,
  externalRef,
  isoCurrency,
  minorUnits,
  nonNegative,
  retiredAt,
  updatedAt,
} from './columns.ts';
import { pages } from './pages.ts';

/** A product in a page's market. Its price is read here at checkout, never from the client. */
export const products = pgTable(
  'products',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    pageId: integer('page_id')
      .notNull()
      .references(() => pages.id),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    priceMinor: minorUnits('price_minor').notNull(),
    currency: currency().notNull(),
    active: boolean('active').notNull().default(true),
    ref: externalRef().unique('products_ref_key'),
    retiredAt: retiredAt(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('products_page_slug_key').on(t.pageId, t.slug),
    nonNegative('products_price_non_negative', t.priceMinor),
    isoCurrency('products_currency_iso', t.currency),
  ],
);
