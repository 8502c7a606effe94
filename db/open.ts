import { join, resolve } from 'node:path';
import { startEmbeddedPostgres } from './embedded.ts';

export interface OpenedDatabase {
  url: string;
  /** Where the data lives, for messages; never the URL, which may hold a password. */
  description: string;
  /** Stops the embedded cluster if this call started it; nothing for DATABASE_URL. */
  stop(): Promise<void>;
}

export const DEFAULT_EMBEDDED_PORT = 5433;

/** Where the embedded cluster keeps its data inside an app data folder (`ROSE_DATA_DIR`). */
export const embeddedPostgresDir = (dataDir: string) => join(resolve(dataDir), 'postgres');

/**
 * The database the app uses: an existing server named by DATABASE_URL, or else the
 * embedded PostgreSQL kept under ROSE_DATA_DIR (default `.data`) on EMBEDDED_PG_PORT.
 */
export async function openDatabase(env: NodeJS.ProcessEnv = process.env): Promise<OpenedDatabase> {
  if (env.DATABASE_URL) {
    const { host, pathname } = new URL(env.DATABASE_URL);
    return {
      url: env.DATABASE_URL,
      description: `${host}${pathname}`,
      stop: () => Promise.resolve(),
    };
  }
  const dataDir = embeddedPostgresDir(env.ROSE_DATA_DIR ?? '.data');
  const port = Number(env.EMBEDDED_PG_PORT ?? DEFAULT_EMBEDDED_PORT);
  const server = await startEmbeddedPostgres({ dataDir, port });
  return {
    url: server.url,
    description: `embedded PostgreSQL in ${dataDir} on port ${port}`,
    stop: () => server.stop(),
  };
}
