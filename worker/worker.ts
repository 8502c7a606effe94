import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import type { Database } from '../db/client.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface CheckoutWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Database;
  payments: PaymentSettings;
  maxCachedWorkflows: number;
  /** Prebuilt bundle; when absent, workflowsPath is bundled now. */
  workflowBundlePath?: string | undefined;
}

/** The worker with every workflow and activity of rose-checkout, wired to its dependencies. */
export function createCheckoutWorker(options: CheckoutWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath }),
    activities: createActivities({ db: options.db, payments: options.payments }),
    maxCachedWorkflows: options.maxCachedWorkflows,
  });
}
