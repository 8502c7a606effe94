import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';

/**
 * Every admin action, through the API or `npm run ops`: who (the admin token's name, or
 * `ops`), what (the operation and its target), when, and the answer. Request fields that
 * look like credentials are kept as `[redacted]`.
 */
export const adminAudit = pgTable(
  'admin_audit',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    actor: text('actor').notNull(),
    /** `POST /v1/admin/tickets/:code/check-in`, or the ops command. */
    action: text('action').notNull(),
    /** The path's parameters and the request body. */
    request: jsonb('request').$type<Record<string, unknown>>().notNull(),
    status: integer('status').notNull(),
    /** The answer's body (a problem's code, or what was done). */
    answer: jsonb('answer').$type<unknown>(),
    createdAt: createdAt(),
  },
  (t) => [
    index('admin_audit_created_idx').on(t.createdAt),
    check('admin_audit_status_range', sql`${t.status} BETWEEN 100 AND 599`),
  ],
);
