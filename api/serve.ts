import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { connectDatabase } from '../db/client.ts';
import { applyMigrations } from '../db/migrate.ts';
import { parseCredentialsKeys } from '../db/sealed.ts';
import { createLogger } from '../observability/logger.ts';
import type { Tracing } from '../observability/tracing.ts';
import { checkoutPayloadCodec, dataConverterWith } from '../temporal/data-converter.ts';
import { LASTING_REFUND_RETRY } from '../workflows/activity-proxies.ts';
import { createApp } from './app.ts';
import { readApiConfig } from './config.ts';
import { shopperTokenVerifier } from './shopper-token.ts';

/** The API process: migrate, connect, serve; on SIGTERM stop taking requests, then close. */
export async function serve(tracing: Tracing | undefined): Promise<void> {
  const config = readApiConfig();
  const log = createLogger('api');
  const credentialsKeys = parseCredentialsKeys(config.CREDENTIALS_KEYS);
  await applyMigrations(config.DATABASE_URL, { credentialsKeys });
  const database = connectDatabase(config.DATABASE_URL, { applicationName: 'rose-checkout-api' });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const payloadCodec = checkoutPayloadCodec({ PAYLOAD_CODEC_KEYS: config.PAYLOAD_CODEC_KEYS });
  const app = createApp({
    db: database.db,
    temporal: new Client({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterWith(payloadCodec),
      // The trace of a request goes on into the workflow it starts or signals.
      ...(tracing
        ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } }
        : {}),
    }),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    catalogue: {
      credentialsKeys,
      sumup: { host: config.SUMUP_API_URL, timeoutMs: config.SUMUP_TIMEOUT_MS },
    },
    auth: {
      serviceTokens: config.API_SERVICE_TOKENS,
      adminTokens: config.API_ADMIN_TOKENS,
      shopperTokens: shopperTokenVerifier({
        keys: config.SHOPPER_TOKEN_SECRET
          ? { secret: config.SHOPPER_TOKEN_SECRET }
          : config.SHOPPER_JWKS_URL
            ? { jwksUrl: config.SHOPPER_JWKS_URL }
            : {
                jwks: JSON.parse(readFileSync(config.SHOPPER_JWKS_FILE!, 'utf8')) as JSONWebKeySet,
              },
        audience: config.SHOPPER_TOKEN_AUDIENCE,
        issuer: config.SHOPPER_TOKEN_ISSUER,
      }),
    },
    rateLimits: {
      webhook: {
        perSecond: config.WEBHOOK_RATE_LIMIT_PER_SECOND,
        burst: config.WEBHOOK_RATE_LIMIT_BURST,
      },
      public: {
        perSecond: config.PUBLIC_RATE_LIMIT_PER_SECOND,
        burst: config.PUBLIC_RATE_LIMIT_BURST,
      },
    },
    metricsToken: config.METRICS_TOKEN,
    checkout: {
      creationTimeoutMs: config.CHECKOUT_CREATION_TIMEOUT_MS,
      expiresInMs: config.CHECKOUT_EXPIRY_MS,
      startTimeoutMs: config.CHECKOUT_START_TIMEOUT_MS,
      refundRetry: {
        ...LASTING_REFUND_RETRY,
        retryForMs: Math.round(config.REFUND_RETRY_DAYS * 24 * 3_600_000),
      },
    },
    trustProxy: config.TRUST_PROXY,
    log,
    codec: payloadCodec && {
      codec: payloadCodec,
      corsOrigins: config.CODEC_CORS_ORIGINS,
      authToken: config.CODEC_AUTH_TOKEN,
    },
  });
  const server = app.listen(config.PORT, config.HOST, () => {
    log.info(
      {
        url: `http://${config.HOST}:${config.PORT}`,
        payloadEncryption: payloadCodec?.describe() ?? 'off',
        // Open, anyone who reaches the API can have payloads they hold decrypted.
        codecServer: payloadCodec ? (config.CODEC_AUTH_TOKEN ? 'token' : 'open') : 'off',
      },
      'api listening',
    );
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      server.close(() => {
        void Promise.all([connection.close(), database.close(), tracing?.shutdown()]).then(() =>
          process.exit(0),
        );
      });
    });
  }
}
