import { readFile } from 'node:fs/promises';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { startEventRelay } from '../activities/events/relay.ts';
import { ensureSubscriber } from '../activities/events/subscribers.ts';
import { parseCredentialsKeys } from '../db/sealed.ts';
import { connectDatabase } from '../db/client.ts';
import { Secret } from '../db/secret.ts';
import { applyMigrations } from '../db/migrate.ts';
import { createLogger } from '../observability/logger.ts';
import type { Tracing } from '../observability/tracing.ts';
import { installTemporalRuntime } from '../observability/temporal-runtime.ts';
import { loopbackAddress, serveWorkerMetrics } from '../observability/worker-metrics.ts';
import { checkoutPayloadCodec, dataConverterWith } from '../temporal/data-converter.ts';
import { readWorkerConfig } from './config.ts';
import { registerPaymentSweep } from './payment-sweep.ts';
import { bundleTraces, createCheckoutWorker } from './worker.ts';

/**
 * The worker process. The Temporal runtime turns SIGINT and SIGTERM into a graceful
 * shutdown: running activities finish, then `worker.run()` resolves and we close our pool.
 */
export async function run(tracing: Tracing | undefined): Promise<void> {
  const config = readWorkerConfig();
  const log = createLogger('worker');
  // The SDK's metrics go to a loopback port; /metrics at WORKER_METRICS_ADDRESS adds the
  // process's own to them.
  const sdkMetricsAddress =
    config.WORKER_METRICS_ADDRESS === 'off' ? undefined : await loopbackAddress();
  installTemporalRuntime(log, sdkMetricsAddress);
  const metricsServer = sdkMetricsAddress
    ? await serveWorkerMetrics(config.WORKER_METRICS_ADDRESS, sdkMetricsAddress)
    : undefined;
  if (
    tracing &&
    config.WORKFLOW_BUNDLE_PATH &&
    !bundleTraces(await readFile(config.WORKFLOW_BUNDLE_PATH, 'utf8'))
  ) {
    log.warn(
      'the workflow bundle was built without WORKFLOW_TRACING=on: activities and clients are traced, workflows are not',
    );
  }
  const credentialsKeys = parseCredentialsKeys(config.CREDENTIALS_KEYS);
  await applyMigrations(config.DATABASE_URL, { credentialsKeys });
  const database = connectDatabase(config.DATABASE_URL, {
    max: config.DATABASE_POOL_SIZE,
    applicationName: 'rose-checkout-worker',
  });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const payloadCodec = checkoutPayloadCodec({ PAYLOAD_CODEC_KEYS: config.PAYLOAD_CODEC_KEYS });
  try {
    const worker = await createCheckoutWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      tracing,
      db: database.db,
      payments: {
        sumupHost: config.SUMUP_API_URL,
        sumupTimeoutMs: config.SUMUP_TIMEOUT_MS,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        credentialsKeys,
        ...(config.SUMUP_MERCHANT_CODE && config.SUMUP_API_KEY
          ? {
              defaultMerchant: {
                merchantCode: new Secret(config.SUMUP_MERCHANT_CODE),
                apiKey: new Secret(config.SUMUP_API_KEY),
              },
            }
          : {}),
      },
      bookings: { provisionalDays: config.PROVISIONAL_BOOKING_DAYS },
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
      dataConverter: dataConverterWith(payloadCodec),
    });
    const sweepSchedule =
      config.PAYMENT_SWEEP_EVERY_MINUTES > 0
        ? await registerPaymentSweep({
            connection,
            namespace: config.TEMPORAL_NAMESPACE,
            taskQueue: config.TEMPORAL_TASK_QUEUE,
            everyMinutes: config.PAYMENT_SWEEP_EVERY_MINUTES,
            dataConverter: dataConverterWith(payloadCodec),
          })
        : 'off';
    if (config.EVENT_SUBSCRIBER_URL) {
      if (!config.EVENT_SUBSCRIBER_SECRET)
        throw new Error('EVENT_SUBSCRIBER_URL needs EVENT_SUBSCRIBER_SECRET');
      await ensureSubscriber(database.db, credentialsKeys, {
        url: config.EVENT_SUBSCRIBER_URL,
        secret: config.EVENT_SUBSCRIBER_SECRET,
        events:
          config.EVENT_SUBSCRIBER_EVENTS?.split(',')
            .map((type) => type.trim())
            .filter(Boolean) ?? [],
      });
    }
    const relay =
      config.EVENT_RELAY === 'on'
        ? startEventRelay({
            db: database.db,
            credentialsKeys,
            timeoutMs: config.EVENT_DELIVERY_TIMEOUT_MS,
            meter: Runtime.instance().metricMeter,
            onError: (error) =>
              log.warn(
                { error: error instanceof Error ? error.message : String(error) },
                'event relay',
              ),
          })
        : undefined;
    log.info(
      {
        eventRelay: config.EVENT_RELAY,
        eventSubscriber: config.EVENT_SUBSCRIBER_URL ?? 'none',
        sweepSchedule,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        namespace: config.TEMPORAL_NAMESPACE,
        metrics: config.WORKER_METRICS_ADDRESS,
        payloadEncryption: payloadCodec?.describe() ?? 'off',
      },
      'worker started',
    );
    try {
      await worker.run();
    } finally {
      await relay?.stop();
    }
    log.info('worker stopped');
  } finally {
    await connection.close();
    await database.close();
    metricsServer?.close();
    await tracing?.shutdown();
  }
}
