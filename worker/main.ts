import { NativeConnection } from '@temporalio/worker';
import { connectDatabase } from '../db/client.ts';
import { Secret } from '../db/secret.ts';
import { applyMigrations } from '../db/migrate.ts';
import { readWorkerConfig } from './config.ts';
import { createCheckoutWorker } from './worker.ts';

// The worker process. The Temporal runtime turns SIGINT and SIGTERM into a graceful
// shutdown: running activities finish, then `run()` resolves and we close our pool.
const config = readWorkerConfig();
await applyMigrations(config.DATABASE_URL);
const database = connectDatabase(config.DATABASE_URL, {
  max: config.DATABASE_POOL_SIZE,
  applicationName: 'rose-checkout-worker',
});
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
try {
  const worker = await createCheckoutWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    db: database.db,
    payments: {
      sumupHost: config.SUMUP_API_URL,
      sumupTimeoutMs: config.SUMUP_TIMEOUT_MS,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      ...(config.SUMUP_MERCHANT_CODE && config.SUMUP_API_KEY
        ? {
            defaultMerchant: {
              merchantCode: new Secret(config.SUMUP_MERCHANT_CODE),
              apiKey: new Secret(config.SUMUP_API_KEY),
            },
          }
        : {}),
    },
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
  });
  console.log(
    JSON.stringify({
      msg: 'worker started',
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      namespace: config.TEMPORAL_NAMESPACE,
    }),
  );
  await worker.run();
  console.log(JSON.stringify({ msg: 'worker stopped' }));
} finally {
  await connection.close();
  await database.close();
}
