import { appendFileSync, createWriteStream } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { startEmbeddedPostgres } from '../../db/embedded.ts';
import { applyMigrations } from '../../db/migrate.ts';
import { parseCredentialsKeys } from '../../db/sealed.ts';
import { embeddedPostgresDir } from '../../db/open.ts';
import { cliTypeNames, searchAttributes } from '../../workflows/search-attributes.ts';
import { DEFAULT_TASK_QUEUE } from '../../workflows/shared.ts';
import { buildWorkflowBundle } from '../build-workflow-bundle.ts';
import { provision, required } from '../provision.ts';
import { seedDemoShop, type DemoShop } from './demo-data.ts';
import { temporalServer } from './temporal-server.ts';
import {
  answers,
  portOpen,
  startProcess,
  waitUntil,
  type Incarnation,
  type StackProcess,
} from './processes.ts';
import { stackSecrets, type StackSecrets } from './secrets.ts';
import { supervise, type RestartPolicy, type Supervised } from './supervisor.ts';

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
  /** Each process, supervised: restarted with backoff when it dies, until it keeps dying. */
  processes: Record<StackProcessName, Supervised> & { subscriber?: Supervised };
  stop(): Promise<void>;
}

export type StackProcessName = 'postgres' | 'temporal' | 'sumupEmulator' | 'worker' | 'api';

export const EMULATOR_MERCHANT = { apiKey: 'sup_sk_emulator_default', merchantCode: 'MEMULATOR' };
const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The whole stack on this machine: embedded PostgreSQL (migrated, demo shop seeded), the
 * Temporal dev server with its UI, the SumUp emulator, the worker and the API, each its own
 * process logging to `<dataDir>/logs`, each restarted when it dies (`supervisor.ts`).
 * `npm start` and the benchmarks both run it.
 */
export async function launchStack(options: {
  dataDir: string;
  ports: StackPorts;
  /** Extra variables for the worker and the API (tuning, log level). */
  env?: NodeJS.ProcessEnv;
  step?: (text: string) => void;
  /** Where the Temporal dev server keeps its SQLite file; `<dataDir>/temporal.sqlite` by default. */
  temporalDbFile?: string;
  /**
   * `dev` (the default): the Temporal CLI's dev server, on SQLite, with its UI. `server`: the
   * full Temporal server on our PostgreSQL, configured as Compose configures it, without a UI.
   */
  temporalEngine?: 'dev' | 'server';
  /** Where the Node processes write V8 CPU profiles (`.cpuprofile`) when they stop. */
  cpuProfileDir?: string;
  /** When to restart a process that died; the bench gives up at the first death. */
  restartPolicy?: RestartPolicy;
  /** Called once when a process keeps dying (see `restartPolicy`): the caller stops the stack. */
  onGiveUp: (name: string, why: string, output: string) => void;
  /** Aborted (Ctrl-C while it comes up): what started is stopped, and the launch rejects. */
  signal?: AbortSignal;
  /** Runs the demo subscriber on this port, registered with the worker as its subscriber. */
  demoSubscriberPort?: number;
}): Promise<Stack> {
  const { dataDir, ports, signal } = options;
  const step = options.step ?? (() => {});
  const started: Supervised[] = [];
  const stop = async () => {
    for (const process of [...started].reverse()) await process.stop();
  };
  const logDir = join(dataDir, 'logs');
  // The stack's own lines (a death, a restart) go to the terminal and to logs/stack.log.
  const say = (line: string) => {
    console.error(`! ${line}`);
    appendFileSync(
      join(logDir, 'stack.log'),
      `${JSON.stringify({ time: new Date().toISOString(), msg: line })}\n`,
    );
  };
  const supervised = async (
    name: StackProcessName | 'subscriber',
    start: () => Promise<Incarnation>,
  ) => {
    signal?.throwIfAborted();
    const process = await supervise(name, start, {
      say,
      giveUp: options.onGiveUp,
      ...(options.restartPolicy ? { policy: options.restartPolicy } : {}),
    });
    started.push(process);
    return process;
  };
  const spawnProcess = (
    name: string,
    command: string,
    args: string[],
    extraEnv: NodeJS.ProcessEnv,
  ) =>
    startProcess(name, command, args, {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...extraEnv },
      logFile: join(logDir, `${name}.log`),
    });
  // Node itself with tsx as a loader (not the tsx launcher, which would add a process).
  const spawnNode = (name: string, entry: string, extraEnv: NodeJS.ProcessEnv) =>
    spawnProcess(
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
  /**
   * A process started, then on its first start only, waited for until `ready` holds: the
   * next ones need it. A restart is only spawned: one that dies while starting counts as a
   * death, and the others reconnect to it on their own.
   */
  const readyFirstTime = (
    spawnIt: () => StackProcess,
    what: string,
    ready: (process: StackProcess) => Promise<boolean> | boolean,
    timeoutMs?: number,
  ) => {
    let first = true;
    return async () => {
      const process = spawnIt();
      if (!first) return process;
      first = false;
      try {
        await waitUntil(process, what, () => ready(process), timeoutMs, signal);
      } catch (error) {
        await process.stop();
        throw error;
      }
      return process;
    };
  };
  const urls = {
    api: `http://127.0.0.1:${ports.api}`,
    temporalUi: `http://127.0.0.1:${ports.temporalUi}`,
    emulator: `http://127.0.0.1:${ports.emulator}`,
    workerMetrics: `http://127.0.0.1:${ports.workerMetrics}/metrics`,
  };

  try {
    await mkdir(logDir, { recursive: true });
    // Run as root, PostgreSQL runs as the postgres user, who must reach its folder.
    await chmod(dataDir, 0o755);

    step('Temporal CLI (the first start builds it with Go: a few minutes, progress below)');
    const cli = required('temporal-cli', await provision('temporal-cli'));
    signal?.throwIfAborted();

    step(`PostgreSQL (embedded, in ${embeddedPostgresDir(dataDir)})`);
    const postgresLog = createWriteStream(join(logDir, 'postgres.log'), { flags: 'a' });
    let postgresOutput = '';
    let databaseUrl = '';
    const postgres = await supervised('postgres', async () => {
      const server = await startEmbeddedPostgres({
        dataDir: embeddedPostgresDir(dataDir),
        port: ports.postgres,
        onLog: (text) => {
          postgresLog.write(text);
          postgresOutput = (postgresOutput + text).slice(-20_000);
        },
      });
      databaseUrl = server.url;
      return { ...server, output: () => postgresOutput };
    });
    const secrets = await stackSecrets(dataDir);
    const credentialsKeys = parseCredentialsKeys(secrets.credentialsKeys);
    await applyMigrations(databaseUrl, { credentialsKeys });

    /** The production engine: the full server, its schema and namespace, as Compose has them. */
    const startTemporalServer = async () => {
      step('Temporal server (the first start builds it with Go), on PostgreSQL');
      const server = await temporalServer({
        dir: required('temporal-server', await provision('temporal-server')),
        postgres: {
          host: '127.0.0.1',
          port: ports.postgres,
          user: decodeURIComponent(new URL(databaseUrl).username),
          password: decodeURIComponent(new URL(databaseUrl).password),
        },
        frontendPort: ports.temporal,
      });
      await server.applySchema();
      const process = await supervised(
        'temporal',
        readyFirstTime(
          () => spawnProcess('temporal', server.command, server.args, server.env),
          'frontend',
          () => portOpen(ports.temporal),
          120_000,
        ),
      );
      await server.registerNamespace(cli);
      return process;
    };
    const temporalArgs = [
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
      // The dev server reads its internal task queues at most 20 times a second per history
      // shard (it has one). A checkout makes about 3 such tasks, so above ~7 checkouts a
      // second each waits for the next read: a queue cap, not CPU (README, Performance).
      ...['history.transferProcessorMaxPollRPS', 'history.visibilityProcessorMaxPollRPS'].flatMap(
        (key) => ['--dynamic-config-value', `${key}=200`],
      ),
      '--ui-codec-endpoint',
      `${urls.api}/codec`,
      ...searchAttributes.flatMap((key) => [
        '--search-attribute',
        `${key.name}=${cliTypeNames[key.type]}`,
      ]),
    ];
    if (options.temporalEngine !== 'server') step('Temporal dev server with its UI');
    const temporal =
      options.temporalEngine === 'server'
        ? await startTemporalServer()
        : await supervised(
            'temporal',
            readyFirstTime(
              () => spawnProcess('temporal', cli, temporalArgs, {}),
              'frontend and UI',
              async () => (await portOpen(ports.temporal)) && (await answers(urls.temporalUi)),
            ),
          );

    step('SumUp emulator');
    const sumupEmulator = await supervised(
      'sumupEmulator',
      readyFirstTime(
        () =>
          spawnNode('sumup-emulator', 'sumup-emulator/main.ts', {
            SUMUP_EMULATOR_PORT: String(ports.emulator),
            SUMUP_EMULATOR_ACCOUNTS: `${EMULATOR_MERCHANT.apiKey}:${EMULATOR_MERCHANT.merchantCode}`,
          }),
        'listening',
        (emulator) => emulator.output().includes('sumup emulator listening'),
      ),
    );

    const temporalAddress = `127.0.0.1:${ports.temporal}`;
    const shared = {
      TEMPORAL_ADDRESS: temporalAddress,
      DATABASE_URL: databaseUrl,
      PAYLOAD_CODEC_KEYS: secrets.payloadCodecKeys,
      CREDENTIALS_KEYS: secrets.credentialsKeys,
      ...options.env,
    };
    let subscriber: Supervised | undefined;
    // The worker registers the demo subscriber at start; otherwise EVENT_SUBSCRIBER_URL and
    // EVENT_SUBSCRIBER_SECRET, if set, pass through to it.
    let subscriberEnv: NodeJS.ProcessEnv = {};
    if (options.demoSubscriberPort) {
      step('demo event subscriber (its log: logs/subscriber.log)');
      const subscriberEnvOf = { EVENT_SUBSCRIBER_SECRET: secrets.demoSubscriberSecret };
      subscriber = await supervised(
        'subscriber',
        readyFirstTime(
          () =>
            spawnNode('subscriber', 'scripts/stack/demo-subscriber.ts', {
              DEMO_SUBSCRIBER_PORT: String(options.demoSubscriberPort),
              ...subscriberEnvOf,
            }),
          'listening',
          (process) => process.output().includes('demo subscriber listening'),
        ),
      );
      subscriberEnv = {
        EVENT_SUBSCRIBER_URL: `http://127.0.0.1:${options.demoSubscriberPort}/events`,
        ...subscriberEnvOf,
      };
    }
    step('worker (with the workflow bundle built first, as production does)');
    const workflowBundlePath = join(dataDir, 'workflow-bundle.js');
    await buildWorkflowBundle(workflowBundlePath);
    const temporalConnection = await Connection.connect({ address: temporalAddress });
    let worker: Supervised;
    try {
      worker = await supervised(
        'worker',
        readyFirstTime(
          () =>
            spawnNode('worker', 'worker/main.ts', {
              WORKFLOW_BUNDLE_PATH: workflowBundlePath,
              SUMUP_API_URL: urls.emulator,
              SUMUP_MERCHANT_CODE: EMULATOR_MERCHANT.merchantCode,
              SUMUP_API_KEY: EMULATOR_MERCHANT.apiKey,
              PUBLIC_BASE_URL: urls.api,
              WORKER_METRICS_ADDRESS: `127.0.0.1:${ports.workerMetrics}`,
              ...subscriberEnv,
              ...shared,
            }),
          'polling',
          // Ready when it polls its task queue: whatever its log level, Temporal can tell.
          async () => {
            const queue = await temporalConnection.workflowService.describeTaskQueue({
              namespace: 'default',
              taskQueue: { name: process.env.TEMPORAL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE },
              taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            });
            return (queue.pollers?.length ?? 0) > 0;
          },
          120_000,
        ),
      );
    } finally {
      await temporalConnection.close();
    }

    step('API');
    const api = await supervised(
      'api',
      readyFirstTime(
        () =>
          spawnNode('api', 'api/main.ts', {
            PORT: String(ports.api),
            HOST: '127.0.0.1',
            API_SERVICE_TOKENS: secrets.serviceToken,
            API_ADMIN_TOKENS: `stack:${secrets.adminToken}`,
            SUMUP_API_URL: urls.emulator,
            SHOPPER_TOKEN_SECRET: secrets.shopperTokenSecret,
            CODEC_CORS_ORIGINS: `${urls.temporalUi},http://localhost:${ports.temporalUi}`,
            ...shared,
          }),
        'readiness',
        () => answers(`${urls.api}/readyz`),
      ),
    );
    // Through the admin API, as the services that own the catalogue would sync it.
    const { shop, created } = await seedDemoShop(
      { url: urls.api, adminToken: secrets.adminToken },
      EMULATOR_MERCHANT,
    );
    step(created ? 'demo shop seeded' : 'demo shop found (data kept from the last start)');

    return {
      urls,
      temporalAddress,
      databaseUrl,
      secrets,
      shop,
      shopCreated: created,
      processes: {
        postgres,
        temporal,
        sumupEmulator,
        worker,
        api,
        ...(subscriber ? { subscriber } : {}),
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
