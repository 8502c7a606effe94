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
import {
  temporalCliExecutable,
  temporalTestServerExecutable,
  type ServerExecutable,
} from '../../scripts/temporal-executables.ts';
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
    timeSkippingServerPath: string | null;
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
    // Found or built first, one at a time: a first-time build prints its progress.
    const cli = temporalCliExecutable();
    const timeSkipping = temporalTestServerExecutable();
    const [postgresStarted, temporalStarted, bundled] = await Promise.allSettled([
      startPostgres(runDir),
      startTemporal(runDir, cli),
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
    project.provide('timeSkippingServerPath', timeSkipping?.path ?? null);
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
    return { url: existing, port: Number(new URL(existing).port), stop: async () => {} };
  return startEmbeddedPostgres({
    dataDir: join(runDir, 'postgres'),
    port: await freePort(),
    // A throwaway cluster: durability buys nothing here.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
}

function startTemporal(
  runDir: string,
  executable: ServerExecutable,
): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      ...(executable ? { executable } : {}),
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
    workflowInterceptorModules,
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
