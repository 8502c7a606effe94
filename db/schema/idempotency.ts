import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';

/**
 * `Idempotency-Key`s (the storefront's, an admin's, the ops CLI's: db/queries/idempotency.ts):
 * the first answer to a mutating request, kept 24 hours per owner and key, so that a retry
 * replays it instead of doing the work again. A row without a status is a request still in
 * flight.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** Whose key (`user:<id>`, `session:<id>`, `admin:<name>`, `ops`): keys never collide across them. */
    owner: text('owner').notNull(),
    key: text('key').notNull(),
    /** SHA-256 of the method, path and body: the same key with another request is refused. */
    fingerprint: text('fingerprint').notNull(),
    status: integer('status'),
    contentType: text('content_type'),
    body: text('body'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.owner, t.key] }),
    index('idempotency_keys_created_idx').on(t.createdAt),
    check(
      'idempotency_keys_status_range',
      sql`${t.status} IS NULL OR ${t.status} BETWEEN 100 AND 599`,
    ),
  ],
);
