import { credentialsKeysSetting } from '../db/sealed.ts';
import { z } from 'zod';
import { readEnv } from '../config/read-env.ts';
import { codecKeysSetting } from '../temporal/codec-keys.ts';
import { REFUND_RETRY_DAYS } from '../workflows/activity-proxies.ts';
import { DEFAULT_TASK_QUEUE } from '../workflows/shared.ts';
import { DEFAULT_RATE_LIMITS } from './rate-limit.ts';
import { DEFAULT_AUDIENCE } from './shopper-token.ts';

const schema = z
  .object({
    DATABASE_URL: z.url({ error: 'DATABASE_URL must be a postgres:// URL' }),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
    /** Comma-separated service credentials the storefront may present. */
    API_SERVICE_TOKENS: z
      .string()
      .min(1, 'API_SERVICE_TOKENS: at least one service credential')
      .transform((s) =>
        s
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    /**
     * Admin credentials, `name:token` pairs, comma-separated: the name is who the audit says
     * acted. Unset: nobody reaches the admin API.
     */
    API_ADMIN_TOKENS: z
      .string()
      .optional()
      .transform((s, ctx) => {
        const pairs = (s ?? '')
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
          .map((pair) => {
            const at = pair.indexOf(':');
            return { name: pair.slice(0, at), token: pair.slice(at + 1) };
          });
        for (const [i, { name, token }] of pairs.entries()) {
          if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || token.length < 24) {
            ctx.addIssue({
              code: 'custom',
              message: `API_ADMIN_TOKENS: entry ${i + 1} is not name:token (a name of letters, digits, . _ -; a token of 24+ characters)`,
            });
          }
        }
        return pairs;
      }),
    /**
     * The keys that verify the storefront's shopper JWTs, one of: a secret shared with it
     * (HS256), or its public keys, as a JWKS URL or file (EdDSA, RS256, ES256).
     */
    SHOPPER_TOKEN_SECRET: z
      .string()
      .min(32, 'SHOPPER_TOKEN_SECRET: at least 32 characters')
      .optional(),
    SHOPPER_JWKS_URL: z.url('SHOPPER_JWKS_URL: an https:// URL of a JWKS').optional(),
    SHOPPER_JWKS_FILE: z.string().min(1).optional(),
    /** The `aud` shopper tokens must carry. */
    SHOPPER_TOKEN_AUDIENCE: z.string().min(1).default(DEFAULT_AUDIENCE),
    /** The `iss` they must carry, when set. */
    SHOPPER_TOKEN_ISSUER: z.string().min(1).optional(),
    /** How long a new checkout may retry creating SumUp's checkout before answering 503. */
    CHECKOUT_CREATION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(20_000),
    /** How long `POST /v1/checkouts` waits for the engine to take a checkout before a 503. */
    CHECKOUT_START_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60_000).default(10_000),
    /** How long a shopper has to pay on SumUp's hosted page, in ms (SumUp's session: 30 min). */
    CHECKOUT_EXPIRY_MS: z.coerce
      .number()
      .int()
      .min(10_000)
      .max(30 * 60_000)
      .default(30 * 60_000),
    /** How many days a refund is retried at SumUp, with backoff, before ops are asked. */
    REFUND_RETRY_DAYS: z.coerce.number().positive().max(30).default(REFUND_RETRY_DAYS),
    /** When set, `GET /metrics` wants it as a bearer token; unset, it is open. */
    METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN: at least 16 characters').optional(),
    /** Per client IP: sustained requests per second, and how many may come at once. */
    WEBHOOK_RATE_LIMIT_PER_SECOND: z.coerce
      .number()
      .positive()
      .default(DEFAULT_RATE_LIMITS.webhook.perSecond),
    WEBHOOK_RATE_LIMIT_BURST: z.coerce
      .number()
      .int()
      .min(1)
      .default(DEFAULT_RATE_LIMITS.webhook.burst),
    PUBLIC_RATE_LIMIT_PER_SECOND: z.coerce
      .number()
      .positive()
      .default(DEFAULT_RATE_LIMITS.public.perSecond),
    PUBLIC_RATE_LIMIT_BURST: z.coerce
      .number()
      .int()
      .min(1)
      .default(DEFAULT_RATE_LIMITS.public.burst),
    /** `keyId:base64key,…`, the active key first: payloads are encrypted. Secret: never logged. */
    PAYLOAD_CODEC_KEYS: codecKeysSetting,
    /** `keyId:base64key,…`, the active key first: pages' SumUp keys are sealed. Secret. */
    CREDENTIALS_KEYS: credentialsKeysSetting,
    /** SumUp's API, or the emulator: a page's new key is checked there before it is stored. */
    SUMUP_API_URL: z.url().default('https://api.sumup.com'),
    SUMUP_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    /** Origins of the Temporal UI allowed to call the codec server from ops' browsers. */
    CODEC_CORS_ORIGINS: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((origin) => origin.trim().replace(/\/$/, ''))
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z
            .string()
            .refine(
              (origin) => URL.canParse(origin) && new URL(origin).origin === origin,
              'CODEC_CORS_ORIGINS: origins as scheme://host[:port], lower case, without a path',
            ),
        ),
      ),
    /** When set, the codec server wants it as `Authorization: Bearer <token>`. */
    CODEC_AUTH_TOKEN: z.string().min(16, 'CODEC_AUTH_TOKEN: at least 16 characters').optional(),
    /** Proxies in front of the API, so that `req.ip` (and its rate limits) is the client's. */
    TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  })
  .refine(
    (env) =>
      [env.SHOPPER_TOKEN_SECRET, env.SHOPPER_JWKS_URL, env.SHOPPER_JWKS_FILE].filter(Boolean)
        .length === 1,
    {
      path: ['SHOPPER_TOKEN_SECRET'],
      message:
        "set exactly one of SHOPPER_TOKEN_SECRET (HS256), SHOPPER_JWKS_URL or SHOPPER_JWKS_FILE (the storefront's public keys)",
    },
  );

export type ApiConfig = z.infer<typeof schema>;

export const readApiConfig = (env: NodeJS.ProcessEnv = process.env): ApiConfig =>
  readEnv(schema, env, 'API');
