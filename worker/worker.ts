import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import type { Context as ActivityContext } from '@temporalio/activity';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import type { BookingSettings } from '../activities/orders/index.ts';
import type { Database } from '../db/client.ts';
import { NO_TRACING, type Tracing } from '../observability/tracing.ts';
import { orderOnActivityLogs } from './log-attributes.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/** The module that records spans inside workflows, exported through the `exporter` sink. */
const WORKFLOW_TRACING_SPECIFIER =
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';
const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve(WORKFLOW_TRACING_SPECIFIER);

/**
 * Bundled with the workflows (a prebuilt bundle is built with them too). OpenTelemetry's
 * workflow interceptors only when tracing is on: every workflow gets its own copy of the
 * modules it bundles, and theirs more than doubled a waiting checkout's memory and its
 * worker's CPU (README, Performance).
 */
export const workflowInterceptorModules = (tracing: boolean) => [
  fileURLToPath(new URL('../workflows/log-attributes.ts', import.meta.url)),
  ...(tracing ? [WORKFLOW_TRACING_MODULE] : []),
];

/**
 * Whether workflows record spans: `WORKFLOW_TRACING` (`on`, `off`), else whether traces go
 * anywhere (`OTEL_EXPORTER_OTLP_ENDPOINT`). Read by the worker and by the bundle's build.
 */
export const workflowTracing = (env: NodeJS.ProcessEnv = process.env) =>
  env.WORKFLOW_TRACING ? env.WORKFLOW_TRACING === 'on' : Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT);

/** Whether a prebuilt bundle records spans in its workflows. */
export const bundleTraces = (code: string) => code.includes(WORKFLOW_TRACING_SPECIFIER);

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
  /** OpenTelemetry, when on: activities' spans, and the workflows' through the sink. */
  tracing?: Tracing | undefined;
}

/**
 * The sink workflows export their spans through (every bundle has OpenTelemetry's workflow
 * interceptors): to the process's span processor, or to nothing while tracing is off.
 * Every worker of these workflows registers it, in tests too.
 */
export const workflowSinks = (
  tracing: Pick<Tracing, 'spanProcessor' | 'resource'> = NO_TRACING,
) => ({
  exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource),
});

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
      activity: [
        orderOnActivityLogs,
        ...(options.tracing
          ? [
              (ctx: ActivityContext) => ({
                inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
                outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
              }),
            ]
          : []),
      ],
      // A prebuilt bundle carries its workflow interceptors already.
      ...(options.workflowBundlePath
        ? {}
        : {
            workflowModules: workflowInterceptorModules(
              options.tracing !== undefined && workflowTracing(),
            ),
          }),
    },
    activities: createActivities({
      db: options.db,
      payments: options.payments,
      bookings: options.bookings,
    }),
    sinks: workflowSinks(options.tracing),
    maxCachedWorkflows: options.maxCachedWorkflows,
    dataConverter: options.dataConverter,
  });
}
