import { bigint, integer, pgTable, varchar } from 'drizzle-orm/pg-core';

/**
 * What each client has spent of its request budget, shared by every API replica: the table
 * `rate-limiter-flexible`'s PostgreSQL store reads and writes (its own layout), made by our
 * migrations so that the API never creates tables itself.
 */
export const rateLimits = pgTable('rate_limits', {
  key: varchar('key', { length: 255 }).primaryKey(),
  points: integer('points').notNull().default(0),
  /** Unix milliseconds; the store removes rows an hour past it. */
  expire: bigint('expire', { mode: 'number' }),
});
