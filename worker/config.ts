import { z } from 'zod';
import { readEnv } from '../config/read-env.ts';
import { credentialsKeysSetting } from '../db/sealed.ts';
import { codecKeysSetting } from '../temporal/codec-keys.ts';
import { DEFAULT_TASK_QUEUE } from '../workflows/shared.ts';

const schema = z.object({
  DATABASE_URL: z.url({ error: 'DATABASE_URL must be a postgres:// URL' }),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  /** Workflows kept in memory between tasks; bounds the worker's RSS. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).default(10),
  /** A bundle built ahead of time (production); without it the worker bundles at start. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /** SumUp's API, or the emulator's address. */
  SUMUP_API_URL: z.url().default('https://api.sumup.com'),
  SUMUP_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** The default merchant, paid by global checkouts. Secrets: never logged. */
  SUMUP_MERCHANT_CODE: z.string().min(1).optional(),
  SUMUP_API_KEY: z.string().min(1).optional(),
  /** Where the Temporal SDK's metrics are served for Prometheus (`host:port`), or `off`. */
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^(off|[^:]+:\d+)$/, 'WORKER_METRICS_ADDRESS: host:port, or off')
    .default('127.0.0.1:9464'),
  /** Where SumUp and shoppers reach the API (webhook, return page). */
  PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:3000'),
  /** How often the payments sweeper's Schedule runs, in minutes; 0 leaves it unregistered. */
  PAYMENT_SWEEP_EVERY_MINUTES: z.coerce.number().min(0).max(1440).default(5),
  /** `keyId:base64key,…`, the active key first: payloads are encrypted. Secret: never logged. */
  PAYLOAD_CODEC_KEYS: codecKeysSetting,
  /** `keyId:base64key,…`, the active key first: subscriber secrets are sealed. Secret. */
  CREDENTIALS_KEYS: credentialsKeysSetting,
  /**
   * How long an organiser has to answer a booking payment made provisional, in days (a
   * fraction for demos); then the page's policy accepts or declines it.
   */
  PROVISIONAL_BOOKING_DAYS: z.coerce.number().positive().max(365).default(7),
  /** Deliver events to subscribers from this worker (`off`: another process does). */
  EVENT_RELAY: z.enum(['on', 'off']).default('on'),
  /** Per delivery attempt. */
  EVENT_DELIVERY_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** A subscriber registered at start, idempotently, with its `whsec_` secret (never logged). */
  EVENT_SUBSCRIBER_URL: z.url().optional(),
  EVENT_SUBSCRIBER_SECRET: z.string().min(1).optional(),
  /** Comma-separated event types for it; unset: all. */
  EVENT_SUBSCRIBER_EVENTS: z.string().optional(),
});

export type WorkerConfig = z.infer<typeof schema>;

export const readWorkerConfig = (env: NodeJS.ProcessEnv = process.env): WorkerConfig =>
  readEnv(schema, env, 'worker');
