import { workflowSinks } from '../../worker/worker.ts';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import type { PaymentSettings } from '../../activities/payments/checkout-payments.ts';
import type { BookingSettings } from '../../activities/orders/index.ts';
import { connectDatabase, type DatabaseHandle } from '../../db/client.ts';
import { parseCredentialsKeys } from '../../db/sealed.ts';
import { databaseUrl, quoteIdent } from './database-url.ts';

export interface TestContext {
  /** A database of this file's own, cloned from the migrated template. */
  databaseUrl: string;
  database: DatabaseHandle;
  /** Client and worker connections to the run's Temporal dev server. */
  temporal: TestWorkflowEnvironment;
  /** A task queue no other test file polls. */
  taskQueue: string;
  /**
   * Runs `body` while a worker with every workflow and activity polls this file's queue.
   * Payments go to `payments` (the SumUp emulator, typically); without it, nowhere.
   */
  withWorker<T>(
    body: () => Promise<T>,
    payments?: PaymentSettings,
    bookings?: BookingSettings,
  ): Promise<T>;
  close(): Promise<void>;
}

/** The tests' CREDENTIALS_KEYS: pages' SumUp keys are sealed with it, here and in processes. */
export const TEST_CREDENTIALS_KEYS = `test-1:${randomBytes(32).toString('base64')}`;
export const testCredentialsKeys = parseCredentialsKeys(TEST_CREDENTIALS_KEYS)!;

/** For tests that never pay: any call to SumUp fails fast. */
export const NO_PAYMENTS: PaymentSettings = {
  sumupHost: 'http://127.0.0.1:9',
  sumupTimeoutMs: 1_000,
  publicBaseUrl: 'http://127.0.0.1:9',
  credentialsKeys: testCredentialsKeys,
};

/** Call in `beforeAll`; close in `afterAll`. */
export async function createTestContext(label: string): Promise<TestContext> {
  const suffix = `${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const url = await cloneTemplateDatabase(`rose_test_${suffix}`);
  const database = connectDatabase(url, { max: 5, applicationName: `test-${label}` });
  // Workflow ids keyed by order (`order:<id>`, `reconcile:order:<id>`) are unique per
  // database in production; here every test file has a database of its own on one Temporal
  // server, so each numbers its orders from a place of its own.
  await database.pool.query(
    `ALTER TABLE orders ALTER COLUMN id RESTART WITH ${1 + randomBytes(3).readUIntBE(0, 3) * 100}`,
  );
  const temporal = await TestWorkflowEnvironment.createFromExistingServer({
    address: inject('temporalAddress'),
  });
  const taskQueue = `test-${suffix}`;
  const workflowBundlePath = inject('workflowBundlePath');

  return {
    databaseUrl: url,
    database,
    temporal,
    taskQueue,
    async withWorker(body, payments = NO_PAYMENTS, bookings) {
      const worker = await Worker.create({
        connection: temporal.nativeConnection,
        taskQueue,
        workflowBundle: { codePath: workflowBundlePath },
        sinks: workflowSinks(),
        activities: createActivities({
          db: database.db,
          payments,
          ...(bookings ? { bookings } : {}),
        }),
      });
      return worker.runUntil(body());
    },
    async close() {
      await temporal.teardown();
      await database.close();
      await dropDatabase(url);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function cloneTemplateDatabase(name: string): Promise<string> {
  await adminQuery(
    `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(inject('templateDatabase'))}`,
  );
  return databaseUrl(inject('postgresAdminUrl'), name);
}

async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}
