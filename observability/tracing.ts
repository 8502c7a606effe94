import { register } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

// OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then the Node SDK
// with the HTTP (incoming requests), Express, pg and undici (fetch: SumUp, subscribers)
// instrumentations, exported over OTLP/HTTP, and Temporal's interceptors carry the trace
// through the workflow and its activities (api/serve.ts, worker/worker.ts). A process
// starts it before it loads anything it instruments: its main.ts imports the rest after.

export interface Tracing {
  /** Where workflow spans go too (the worker's `exporter` sink). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

/** What a worker with tracing off gives its workflows' `exporter` sink: nothing is kept. */
export const NO_TRACING = {
  spanProcessor: new NoopSpanProcessor(),
  resource: Resource.empty(),
};

export function startTracing(serviceName: string): Tracing | undefined {
  if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  // ES modules are instrumented through this loader hook, registered before they load.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const resource = new Resource({
    'service.name': process.env.OTEL_SERVICE_NAME ?? serviceName,
  });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const sdk = new NodeSDK({
    resource,
    spanProcessors: [spanProcessor],
    instrumentations: [
      new HttpInstrumentation(),
      new ExpressInstrumentation(),
      new PgInstrumentation(),
      new UndiciInstrumentation(),
    ],
  });
  sdk.start();
  return { spanProcessor, resource, shutdown: () => sdk.shutdown() };
}
