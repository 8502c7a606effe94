import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import type { BookingSettings } from '../activities/orders/index.ts';
import type { Database } from '../db/client.ts';
import { orderOnActivityLogs } from './log-attributes.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/** Bundled with the workflows: a prebuilt bundle must be built with them too. */
export const workflowInterceptorModules = [
  fileURLToPath(new URL('../workflows/log-attributes.ts', import.meta.url)),
];

export interface CheckoutWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Database;
  payments: PaymentSettings;
  bookings: BookingSettings;
  maxCachedWorkflows: number;
  /** Prebuilt bundle; when absent, workflowsPath is bundled now. */
  workflowBundlePath?: string | undefined;
  /** The payload codec's converter (`temporal/data-converter.ts`); plain payloads without. */
  dataConverter?: DataConverter | undefined;
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
    interceptors: {
      activity: [orderOnActivityLogs],
      // A prebuilt bundle carries its workflow interceptors already.
      ...(options.workflowBundlePath ? {} : { workflowModules: workflowInterceptorModules }),
    },
    activities: createActivities({
      db: options.db,
      payments: options.payments,
      bookings: options.bookings,
    }),
    maxCachedWorkflows: options.maxCachedWorkflows,
    dataConverter: options.dataConverter,
  });
}
