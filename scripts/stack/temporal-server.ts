import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { cliTypeNames, searchAttributes } from '../../workflows/search-attributes.ts';
import { freePort } from './processes.ts';

const run = promisify(execFile);
/** What a failed command printed on stderr: the tools say why only there. */
const said = (error: unknown) => String((error as { stderr?: string }).stderr);
// The server records its members' ports in a smallint column: above 32767 it cannot start.
const SMALLINT_PORTS = 32_768;

/**
 * The full Temporal server, configured as docker-compose.yml configures the temporalio/server
 * image: the image's own configuration template, rendered from the same variables (SQL
 * persistence and SQL visibility on PostgreSQL, in the databases `temporal` and
 * `temporal_visibility` beside ours, four history shards). Only the addresses differ: every
 * port is a free one on loopback.
 */
export async function temporalServer(options: {
  /** What scripts/temporal-server.sh prints: the binaries and `config/`. */
  dir: string;
  postgres: { host: string; port: number; user: string; password: string };
  frontendPort: number;
}) {
  const { dir, postgres } = options;
  const sqlTool = join(dir, 'temporal-sql-tool');
  const sql = (database: string, ...args: string[]) =>
    run(sqlTool, [
      '--plugin',
      'postgres12',
      '--ep',
      postgres.host,
      '-p',
      String(postgres.port),
      '-u',
      postgres.user,
      '--pw',
      postgres.password,
      '--db',
      database,
      ...args,
    ]);
  const ports = Object.fromEntries(
    await Promise.all(
      [
        'FRONTEND_HTTP_PORT',
        'FRONTEND_MEMBERSHIP_PORT',
        'MATCHING_GRPC_PORT',
        'MATCHING_MEMBERSHIP_PORT',
        'HISTORY_GRPC_PORT',
        'HISTORY_MEMBERSHIP_PORT',
        'WORKER_GRPC_PORT',
        'WORKER_MEMBERSHIP_PORT',
      ].map(async (name) => [name, String(await freePort({ below: SMALLINT_PORTS }))]),
    ),
  ) as Record<string, string>;
  return {
    /**
     * What Compose's `temporal-schema` job does: each database made, then brought to the
     * server's schema version with its SQL tool (the schemas are built into the tool).
     */
    async applySchema(): Promise<void> {
      for (const [database, schema] of [
        ['temporal', 'postgresql/v12/temporal'],
        ['temporal_visibility', 'postgresql/v12/visibility'],
      ] as const) {
        try {
          await sql(database, 'create-database');
        } catch (error) {
          if (!said(error).includes('already exists')) throw error;
        }
        try {
          await sql(database, 'update-schema', '-s', schema);
        } catch {
          // A database never set up has no version table to update: set up, then update.
          await sql(database, 'setup-schema', '-v', '0.0');
          await sql(database, 'update-schema', '-s', schema);
        }
      }
    },
    command: join(dir, 'temporal-server'),
    args: ['--root', dir, '--config', 'config', '--env', 'docker', 'start'],
    env: {
      // docker-compose.yml's `temporal` service.
      DB: 'postgres12',
      DB_PORT: String(postgres.port),
      // The template reads visibility's port from here (5432 when unset, as in Compose).
      VISIBILITY_DB_PORT: String(postgres.port),
      POSTGRES_SEEDS: postgres.host,
      POSTGRES_USER: postgres.user,
      POSTGRES_PWD: postgres.password,
      DBNAME: 'temporal',
      VISIBILITY_DBNAME: 'temporal_visibility',
      NUM_HISTORY_SHARDS: '4',
      BIND_ON_IP: '127.0.0.1',
      LOG_LEVEL: 'warn',
      FRONTEND_GRPC_PORT: String(options.frontendPort),
      DYNAMIC_CONFIG_FILE_PATH: join(dir, 'config', 'dynamicconfig', 'docker.yaml'),
      ...ports,
    },
    /** What Compose's `temporal-admin-tools` job does: the namespace and the search attributes. */
    async registerNamespace(cli: string, namespace = 'default'): Promise<void> {
      const address = `127.0.0.1:${options.frontendPort}`;
      const temporal = (...args: string[]) =>
        run(cli, ['operator', ...args, '--address', address, '--namespace', namespace]);
      try {
        await temporal('namespace', 'describe');
      } catch {
        await temporal('namespace', 'create', '--retention', '30d');
      }
      for (const key of searchAttributes) {
        const create = () =>
          temporal(
            'search-attribute',
            'create',
            '--name',
            key.name,
            '--type',
            cliTypeNames[key.type],
          );
        // A new namespace reaches the server's namespace cache within seconds.
        for (let waited = 0; ; waited += 500) {
          try {
            await create();
            break;
          } catch (error) {
            if (said(error).includes('already exists')) break;
            if (!said(error).includes('is not found') || waited > 60_000) throw error;
            await sleep(500);
          }
        }
      }
    },
  };
}
