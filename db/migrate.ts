import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { KeyRing } from '../config/key-ring.ts';
import { sealClearSumupKeys } from './queries/sumup-credentials.ts';
import * as schema from './schema/index.ts';

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

// Any fixed number will do; it only has to be the same in every replica.
const MIGRATION_LOCK = 7_306_512_201;

/**
 * Applies the committed drizzle-kit migrations, then the one data step SQL cannot do:
 * sealing SumUp keys stored in clear, with `credentialsKeys` (CREDENTIALS_KEYS). Replicas
 * starting together each call this: a session advisory lock lets one migrate while the
 * others wait, then find nothing to do.
 */
export async function applyMigrations(
  databaseUrl: string,
  options: { credentialsKeys?: KeyRing | undefined } = {},
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'rose-migrate' });
  await client.connect();
  try {
    await client.query('SET client_min_messages = warning');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const db = drizzle({ client, schema });
      await migrate(db, { migrationsFolder });
      await db.transaction((tx) => sealClearSumupKeys(tx, options.credentialsKeys));
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await client.end();
  }
}
