import { z } from 'zod';
import { eventSchemas, eventTypes } from '../activities/events/event-types.ts';
import type { Endpoint, ResponseSpec } from './endpoint.ts';
import { IDEMPOTENCY_HEADER } from './idempotency.ts';
import { problemResponses, problemSchema } from './problem.ts';

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  // The document declares its dialect once; each schema need not.
  const generated: JsonSchema = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  delete generated.$schema;
  return generated;
};

/** `/v1/orders/:token` as OpenAPI writes it: `/v1/orders/{token}`. */
export const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/**
 * Whether the endpoint takes an Idempotency-Key (api/idempotency.ts): the storefront's
 * mutating requests may send one; an endpoint that says so (an admin's refund) must.
 */
const idempotencyKeyOf = ({ spec }: Endpoint): 'optional' | 'required' | undefined =>
  spec.idempotencyKey ??
  (spec.access === 'shopper' && spec.method !== 'get' ? 'optional' : undefined);
const idempotencyKeyParameter = (takes: 'optional' | 'required') => ({
  name: IDEMPOTENCY_HEADER,
  in: 'header',
  required: takes === 'required',
  description:
    (takes === 'required'
      ? 'Required (428 `idempotency_key_required` without one): a new key for each new ' +
        'action, the same key for a retry of it. '
      : '') +
    'Makes a retry safe (IETF draft "The Idempotency-Key HTTP Header Field"): the first answer ' +
    'is kept 24 hours per credential and key (a shopper, or an admin credential) and replayed ' +
    'to a retry with the same request (`Idempotent-Replayed: true`); the same key with another ' +
    'request (another body or path) is 422 `idempotency_key_reused`, and while the first is in ' +
    'flight 409 `idempotency_key_in_flight`.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
});

function responses(endpoint: Endpoint) {
  const { spec } = endpoint;
  const takesKey = idempotencyKeyOf(endpoint);
  const implied: Record<number, ResponseSpec> = {
    ...(spec.access === 'shopper' ? problemResponses(401) : {}),
    ...(spec.access === 'admin' ? problemResponses(401, 403) : {}),
    ...(spec.body && spec.access !== 'public' ? problemResponses(413, 415) : {}),
    ...(endpoint.before.length > 0 ? problemResponses(429) : {}),
    ...(takesKey ? problemResponses(409, 422) : {}),
    ...(takesKey === 'required' ? problemResponses(428) : {}),
    ...problemResponses(500),
  };
  return Object.fromEntries(
    Object.entries({ ...implied, ...spec.responses }).map(([status, answer]) => {
      const content: Record<string, { schema: JsonSchema }> = {};
      if (answer.schema) {
        // Problems are problem+json; an error status with a body of its own (a readiness
        // report that says what is down) is plain JSON.
        const type =
          answer.schema === problemSchema ? 'application/problem+json' : 'application/json';
        content[type] = { schema: jsonSchema(answer.schema, 'output') };
      }
      if (answer.html) content['text/html'] = { schema: { type: 'string' } };
      if (answer.text) content['text/plain'] = { schema: { type: 'string' } };
      return [
        status,
        { description: answer.description, ...(Object.keys(content).length ? { content } : {}) },
      ];
    }),
  );
}

/** The OpenAPI 3.1 document, generated from the endpoints' own zod schemas. */
export function buildOpenApi(endpoints: Endpoint[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    const { spec } = endpoint;
    const path = (paths[openApiPath(spec.path)] ??= {});
    path[spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      operationId: `${spec.method}${spec.path.replace(/[^A-Za-z0-9]+(\w)?/g, (_m, c?: string) => (c ?? '').toUpperCase())}`,
      security:
        spec.access === 'shopper'
          ? [{ serviceToken: [], shopperToken: [] }]
          : spec.access === 'admin'
            ? [{ adminToken: [] }]
            : [],
      parameters: [
        ...parameters(spec.params, 'path'),
        ...parameters(spec.query, 'query'),
        ...(idempotencyKeyOf(endpoint)
          ? [idempotencyKeyParameter(idempotencyKeyOf(endpoint)!)]
          : []),
      ],
      ...(spec.body
        ? {
            requestBody: {
              // As the endpoint parses it: a missing body is `{}`, which some bodies take.
              required: !spec.body.safeParse({}).success,
              content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
            },
          }
        : {}),
      responses: responses(endpoint),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'rose-checkout',
      version,
      description:
        'The checkout engine: carts, checkouts through SumUp, orders and fragments. Money is in ' +
        'integer minor units. Errors are application/problem+json with a machine-readable `code`.',
    },
    components: {
      securitySchemes: {
        serviceToken: {
          type: 'http',
          scheme: 'bearer',
          description: "The storefront's service credential.",
        },
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'An admin credential (`API_ADMIN_TOKENS`); the service credential gets 403.',
        },
        shopperToken: {
          type: 'apiKey',
          in: 'header',
          name: 'x-shopper-token',
          description:
            'A JWT the storefront signs: `sub` (`user:<id>` or `session:<id>`), `exp`, `iat`, `aud` (`rose-checkout`); HS256 with the shared secret, or EdDSA, RS256 or ES256 with the keys of its JWKS.',
        },
      },
    },
    paths,
    webhooks: eventWebhooks(),
  };
}

/**
 * The events rose-checkout sends to subscribers (activities/events/event-types.ts), as
 * OpenAPI 3.1 webhooks: a Standard Webhooks POST each, its `data` the event's schema.
 */
function eventWebhooks() {
  const header = (name: string, description: string) => ({
    name,
    in: 'header',
    required: true,
    description,
    schema: { type: 'string' },
  });
  return Object.fromEntries(
    eventTypes.map((type) => [
      type,
      {
        post: {
          summary: eventSchemas[type].description ?? type,
          operationId: `event.${type}`,
          tags: ['events'],
          parameters: [
            header('webhook-id', 'The event id, the same on every retry: deduplicate on it.'),
            header('webhook-timestamp', 'When this attempt was signed, in Unix seconds.'),
            header(
              'webhook-signature',
              '`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` with the whsec_ secret; ' +
                'during a rotation, two of them, space-separated.',
            ),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['type', 'timestamp', 'data'],
                  properties: {
                    type: { const: type },
                    timestamp: { type: 'string', description: 'When it happened, ISO 8601.' },
                    data: jsonSchema(eventSchemas[type], 'output'),
                  },
                },
              },
            },
          },
          responses: {
            '200': { description: 'Any 2xx: delivered. Anything else is retried, with backoff.' },
            '410': { description: 'Gone: the subscriber is disabled, and nothing more is sent.' },
          },
        },
      },
    ]),
  );
}
