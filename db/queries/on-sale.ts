import { sql, type SQL } from 'drizzle-orm';
import { pages, products } from '../schema/index.ts';

// What may be sold, in one place: the cart's pricing and every add to a cart ask it. A
// product is on sale while it is active, not retired, and its page is not retired.

export const productOnSale: SQL<boolean> = sql<boolean>`(${products.active} AND ${products.retiredAt} IS NULL AND NOT EXISTS (SELECT 1 FROM ${pages} WHERE ${pages.id} = ${products.pageId} AND ${pages.retiredAt} IS NOT NULL))`;
