import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { connectDatabase } from '../../db/client.ts';
import { applyMigrations } from '../../db/migrate.ts';
import { openDatabase, type OpenedDatabase } from '../../db/open.ts';
import { searchAttributes } from '../../workflows/search-attributes.ts';
import { DEFAULT_TASK_QUEUE } from '../../workflows/shared.ts';
import { buildWorkflowBundle } from '../build-workflow-bundle.ts';
import { temporalCliExecutable } from '../temporal-executables.ts';
import { seedDemoShop, type DemoShop } from './demo-data.ts';
import { answers, portOpen, startProcess, waitUntil, type StackProcess } from './processes.ts';
import { stackSecrets, type StackSecrets } from './secrets.ts';

export interface StackPorts {
  api: number;
  temporal: number;
  temporalUi: number;
  emulator: number;
  postgres: number;
  workerMetrics: number;
}

export interface Stack {
  urls: { api: string; temporalUi: string; emulator: string; workerMetrics: string };
  temporalAddress: string;
  databaseUrl: string;
  secrets: StackSecrets;
  shop: DemoShop;
  shopCreated: boolean;
  processes: Record<'temporal' | 'sumupEmulator' | 'worker' | 'api', StackProcess>;
  stop(): Promise<void>;
}

export const EMULATOR_MERCHANT = { apiKey: 'sup_sk_emulator_default', merchantCode: 'MEMULATOR' };
const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The whole stack on this machine: embedded PostgreSQL (migrated, demo shop seeded), the
 * Temporal dev server with its UI, the SumUp emulator, the worker and the API, each its own
 * process logging to `<dataDir>/logs`. `npm start` and the benchmarks both run it.
 */
export async function launchStack(options: {
  dataDir: string;
  ports: StackPorts;
  /** Extra variables for the worker and the API (tuning, log level). */
  env?: NodeJS.ProcessEnv;
  step?: (text: string) => void;
  /** Where the Temporal dev server keeps its SQLite file; `<dataDir>/temporal.sqlite` by default. */
  temporalDbFile?: string;
  /** Where the Node processes write V8 CPU profiles (`.cpuprofile`) when they stop. */
  cpuProfileDir?: string;
  /** Called when a process dies that was not being stopped. */
  onUnexpectedExit?: (name: string, output: string) => void;
}): Promise<Stack> {
  const { dataDir, ports } = options;
  const step = options.step ?? (() => {});
  const started: StackProcess[] = [];
  let database: OpenedDatabase | undefined;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    for (const child of [...started].reverse()) await child.stop();
    await database?.stop();
  };
  const launch = (name: string, command: string, args: string[], extraEnv: NodeJS.ProcessEnv) => {
    const child = startProcess(name, command, args, {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...extraEnv },
      logFile: join(dataDir, 'logs', `${name}.log`),
    });
    started.push(child);
    child.child.once('exit', () => {
      if (!stopping) options.onUnexpectedExit?.(name, child.output());
    });
    return child;
  };
  // Node itself with tsx as a loader (not the tsx launcher, which would add a process).
  const node = (name: string, entry: string, extraEnv: NodeJS.ProcessEnv) =>
    launch(
      name,
      process.execPath,
      [
        '--import',
        'tsx',
        // A folder per process: its worker threads (workflows run in one) write their own.
        ...(options.cpuProfileDir
          ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfileDir, name)}`]
          : []),
        entry,
      ],
      extraEnv,
    );
  const urls = {
    api: `http://127.0.0.1:${ports.api}`,
    temporalUi: `http://127.0.0.1:${ports.temporalUi}`,
    emulator: `http://127.0.0.1:${ports.emulator}`,
    workerMetrics: `http://127.0.0.1:${ports.workerMetrics}/metrics`,
  };

  try {
    await mkdir(join(dataDir, 'logs'), { recursive: true });
    // Run as root, PostgreSQL runs as the postgres user, who must reach its folder.
    await chmod(dataDir, 0o755);

    step('Temporal CLI (the first start builds it with Go: a few minutes, progress below)');
    const cli = temporalCliExecutable();
    if (!cli) throw new Error('no Temporal CLI: see scripts/temporal-cli.sh');

    step(`PostgreSQL (embedded, in ${join(dataDir, 'postgres')})`);
    database = await openDatabase({
      ...process.env,
      DATABASE_URL: '',
      ROSE_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(ports.postgres),
    });
    await applyMigrations(database.url);
    const secrets = await stackSecrets(dataDir);
    const connection = connectDatabase(database.url, { applicationName: 'rose-checkout-start' });
    const { shop, created } = await seedDemoShop(connection.db, EMULATOR_MERCHANT);
    await connection.close();
    step(created ? 'demo shop seeded' : 'demo shop found (data kept from the last start)');

    step('Temporal dev server with its UI');
    const temporal = launch(
      'temporal',
      cli.path,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(ports.temporal),
        '--ui-port',
        String(ports.temporalUi),
        '--db-filename',
        options.temporalDbFile ?? join(dataDir, 'temporal.sqlite'),
        // SQLite's default journal syncs every commit to disk, one at a time: 6 no-op
        // workflows/s here. A write-ahead log synced at checkpoints gives 15/s and still
        // survives a crash of the server process (not of the machine, fine for a dev server).
        '--sqlite-pragma',
        'journal_mode=wal',
        '--sqlite-pragma',
        'synchronous=normal',
        '--log-level',
        'warn',
        '--ui-codec-endpoint',
        `${urls.api}/codec`,
        ...searchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
      ],
      {},
    );
    await waitUntil(temporal, 'frontend', () => portOpen(ports.temporal));
    await waitUntil(temporal, 'UI', () => answers(urls.temporalUi));

    step('SumUp emulator');
    const sumupEmulator = node('sumup-emulator', 'sumup-emulator/main.ts', {
      SUMUP_EMULATOR_PORT: String(ports.emulator),
      SUMUP_EMULATOR_ACCOUNTS: `${EMULATOR_MERCHANT.apiKey}:${EMULATOR_MERCHANT.merchantCode}`,
    });
    await waitUntil(sumupEmulator, 'listening', () =>
      sumupEmulator.output().includes('sumup emulator listening'),
    );

    const temporalAddress = `127.0.0.1:${ports.temporal}`;
    const shared = {
      TEMPORAL_ADDRESS: temporalAddress,
      DATABASE_URL: database.url,
      PAYLOAD_CODEC_KEYS: secrets.payloadCodecKeys,
      ...options.env,
    };
    step('worker (with the workflow bundle built first, as production does)');
    const workflowBundlePath = join(dataDir, 'workflow-bundle.js');
    await buildWorkflowBundle(workflowBundlePath);
    const worker = node('worker', 'worker/main.ts', {
      WORKFLOW_BUNDLE_PATH: workflowBundlePath,
      SUMUP_API_URL: urls.emulator,
      SUMUP_MERCHANT_CODE: EMULATOR_MERCHANT.merchantCode,
      SUMUP_API_KEY: EMULATOR_MERCHANT.apiKey,
      PUBLIC_BASE_URL: urls.api,
      WORKER_METRICS_ADDRESS: `127.0.0.1:${ports.workerMetrics}`,
      ...shared,
    });
    // Ready when it polls its task queue: whatever its log level, Temporal can tell.
    const temporalConnection = await Connection.connect({ address: temporalAddress });
    try {
      await waitUntil(
        worker,
        'polling',
        async () => {
          const queue = await temporalConnection.workflowService.describeTaskQueue({
            namespace: 'default',
            taskQueue: { name: process.env.TEMPORAL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE },
            taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
          });
          return (queue.pollers?.length ?? 0) > 0;
        },
        120_000,
      );
    } finally {
      await temporalConnection.close();
    }

    step('API');
    const api = node('api', 'api/main.ts', {
      PORT: String(ports.api),
      HOST: '127.0.0.1',
      API_SERVICE_TOKENS: secrets.serviceToken,
      SHOPPER_TOKEN_SECRET: secrets.shopperTokenSecret,
      CODEC_CORS_ORIGINS: `${urls.temporalUi},http://localhost:${ports.temporalUi}`,
      ...shared,
    });
    await waitUntil(api, 'readiness', () => answers(`${urls.api}/readyz`));

    return {
      urls,
      temporalAddress,
      databaseUrl: database.url,
      secrets,
      shop,
      shopCreated: created,
      processes: { temporal, sumupEmulator, worker, api },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
