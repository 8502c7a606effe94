import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startEmbeddedPostgres, type RunningPostgres } from '../../db/embedded.ts';
import { applyMigrations } from '../../db/migrate.ts';
import { provision, type Provisioned, type TestToolName } from '../../scripts/provision.ts';
import { workflowInterceptorModules } from '../../worker/worker.ts';
import { searchAttributes } from '../../workflows/search-attributes.ts';
import { freePort } from './free-port.ts';
import { databaseUrl, quoteIdent } from './database-url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
    temporalAddress: string;
    workflowBundlePath: string;
    /** Each tool npm cannot install: its path, or the one line saying how to install it. */
    tools: Record<TestToolName, Provisioned>;
  }
}

/** Everything this run starts lives under this prefix, so leftovers can be found. */
export const RUN_DIR_PREFIX = 'rose-checkout-test-';

/**
 * Starts one PostgreSQL and one Temporal dev server for the whole run, migrates a template
 * database that each test file clones, and bundles the workflows once. The returned
 * teardown stops everything it started, whatever the tests did.
 */
export default async function setup(project: TestProject) {
  const runDir = await mkdtemp(join(tmpdir(), RUN_DIR_PREFIX));
  // Run as root, PostgreSQL runs as the postgres user, who must reach its data folder.
  await chmod(runDir, 0o755);
  const cleanups: (() => Promise<unknown>)[] = [() => rm(runDir, { recursive: true, force: true })];
  // Interrupted (Ctrl-C, a CI timeout), vitest exits without calling our teardown. Every
  // process we start names the run folder on its command line, so this last synchronous
  // hook can still find and stop them.
  process.once('exit', () => killEverythingIn(runDir));
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => console.error('test teardown:', error));
    }
  };

  try {
    const tools = await provisionTools();
    const [postgresStarted, temporalStarted, bundled] = await Promise.allSettled([
      startPostgres(runDir),
      startTemporal(runDir, tools['temporal-cli'].path),
      bundleTestWorkflows(runDir),
    ]);
    // Whatever came up is stopped at teardown, even if a sibling failed to start.
    if (postgresStarted.status === 'fulfilled') cleanups.push(() => postgresStarted.value.stop());
    if (temporalStarted.status === 'fulfilled')
      cleanups.push(() => temporalStarted.value.teardown());
    for (const started of [postgresStarted, temporalStarted, bundled]) {
      if (started.status === 'rejected') throw started.reason;
    }
    const postgres = (postgresStarted as PromiseFulfilledResult<RunningPostgres>).value;
    const temporal = (temporalStarted as PromiseFulfilledResult<TestWorkflowEnvironment>).value;
    const workflowBundlePath = (bundled as PromiseFulfilledResult<string>).value;

    const templateDatabase = `rose_template_${process.pid}`;
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${quoteIdent(templateDatabase)}`);
    await admin.end();
    cleanups.push(() => dropDatabase(postgres.url, templateDatabase));
    await applyMigrations(databaseUrl(postgres.url, templateDatabase));

    project.provide('postgresAdminUrl', postgres.url);
    project.provide('templateDatabase', templateDatabase);
    project.provide('temporalAddress', temporal.address);
    project.provide('workflowBundlePath', workflowBundlePath);
    project.provide('tools', tools);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

async function startPostgres(runDir: string): Promise<RunningPostgres> {
  // TEST_DATABASE_URL names an existing server (its admin connection) instead.
  const existing = process.env.TEST_DATABASE_URL;
  if (existing)
    return {
      url: existing,
      port: Number(new URL(existing).port),
      pid: undefined,
      ended: new Promise<string>(() => {}),
      stop: async () => {},
    };
  return startEmbeddedPostgres({
    dataDir: join(runDir, 'postgres'),
    port: await freePort(),
    // A throwaway cluster: durability buys nothing here.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
}

/**
 * What npm cannot install, found or installed (and cached) before any test runs, with each
 * tool's progress shown: the Go builds one after the other (each takes both cores), the
 * downloads beside them. A tool that cannot be had here is not fatal: the files that need it
 * fail with the one line that says how to install it.
 */
async function provisionTools(): Promise<Record<TestToolName, Provisioned>> {
  const started = Date.now();
  const inSequence = async (names: TestToolName[]) => {
    const found: Partial<Record<TestToolName, Provisioned>> = {};
    for (const name of names) found[name] = await provision(name);
    return found;
  };
  const lanes = await Promise.all([
    inSequence(['temporal-cli', 'docker-compose']),
    inSequence(['temporal-test-server', 'chromium', 'python-jwt']),
  ]);
  const tools = Object.assign({}, ...lanes) as Record<TestToolName, Provisioned>;
  const missing = Object.values(tools).flatMap((tool) => (tool.missing ? [tool.missing] : []));
  if (Date.now() - started > 10_000 || missing.length > 0) {
    console.error(
      `tools ready in ${Math.round((Date.now() - started) / 1000)} s` +
        (missing.length ? `; the tests that need these will fail:\n  ${missing.join('\n  ')}` : ''),
    );
  }
  return tools;
}

function startTemporal(
  runDir: string,
  cliPath: string | undefined,
): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      // Without a CLI of ours, @temporalio/testing downloads one (with internet access only).
      ...(cliPath ? { executable: { type: 'existing-path' as const, path: cliPath } } : {}),
      // On disk in the run folder rather than in memory: its command line then names the
      // run folder, which is how a leftover server would be found.
      dbFilename: join(runDir, 'temporal.sqlite'),
      searchAttributes,
    },
  });
}

async function bundleTestWorkflows(runDir: string): Promise<string> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
    // With OpenTelemetry's interceptors: the tracing test follows spans through it, and
    // every other test and the replays run the bundle as a traced production runs it.
    workflowInterceptorModules: workflowInterceptorModules(true),
    logger: new DefaultLogger('WARN'),
  });
  const path = join(runDir, 'workflow-bundle.js');
  await writeFile(path, bundle.code);
  return path;
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

function killEverythingIn(runDir: string): void {
  try {
    execFileSync('pkill', ['-KILL', '-f', runDir], { stdio: 'ignore' });
  } catch {
    // pkill exits 1 when nothing matched: the normal teardown already stopped everything.
  }
  rmSync(runDir, { recursive: true, force: true });
}
