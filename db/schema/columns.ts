import { sql, type SQL } from 'drizzle-orm';
import { char, check, integer, text, timestamp, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { customType } from 'drizzle-orm/pg-core';
import { Secret } from '../secret.ts';

/** Money is an integer count of the currency's minor units (cents), never a float. */
export const minorUnits = (name: string) => integer(name);

/** ISO 4217 alphabetic code. */
export const currency = (name = 'currency') => char(name, { length: 3 });

/**
 * The id another service gives a row it syncs to us through the admin API (`PUT …/{ref}`);
 * null for rows made otherwise.
 */
export const externalRef = () => text('ref');
/** When the admin API retired the row: kept for orders, no longer sold. */
export const retiredAt = () => timestamp('retired_at', { withTimezone: true });

export const createdAt = () =>
  timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

export const nonNegative = (name: string, column: AnyPgColumn) => check(name, sql`${column} >= 0`);

export const isoCurrency = (name: string, column: AnyPgColumn) =>
  check(name, sql`${column} ~ '^[A-Z]{3}$'`);

/** At least one way to name the shopper: a signed-in user or an anonymous session. */
export const hasShopper = (
  name: string,
  userId: AnyPgColumn,
  sessionId: AnyPgColumn,
): ReturnType<typeof check> => check(name, sql`${userId} IS NOT NULL OR ${sessionId} IS NOT NULL`);

/** Shorthand for `column IN (...)` over string literals inside check constraints. */
export const oneOf = (column: AnyPgColumn, values: readonly string[]): SQL =>
  sql`(${column} IN (${sql.join(
    values.map((v) => sql.raw(`'${v.replace(/'/g, "''")}'`)),
    sql`, `,
  )}))`;

/** A text column read back as a {@link Secret}. */
export const secretText = customType<{ data: Secret; driverData: string }>({
  dataType: () => 'text',
  toDriver: (value) => value.reveal(),
  fromDriver: (value) => new Secret(value),
});
