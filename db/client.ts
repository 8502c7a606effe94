import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as schema from './schema/index.ts';

/** Our database, with the pool under it (`$client`) for what speaks to `pg` itself. */
export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };

/** A transaction inside the database: what `db.transaction()` hands its callback. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Where a query can run: the database itself or a transaction in it. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Pool size; activities and API handlers share one pool per process. */
  max?: number;
  applicationName?: string;
}

export function connectDatabase(url: string, options: ConnectOptions = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'rose-checkout',
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', (error) => {
    console.error(JSON.stringify({ msg: 'postgres pool error', error: error.message }));
  });
  const db = drizzle({ client: pool, schema });
  return { db, pool, close: () => pool.end() };
}
