import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formats, { type FormatsPlugin } from 'ajv-formats';
import type { ObservedResponse } from '../../sumup-emulator/emulator.ts';

/**
 * SumUp's published OpenAPI spec, read where the project's shared folder keeps it (never
 * copied into this repository). SUMUP_OPENAPI_PATH overrides the location.
 */
export const specPath =
  process.env.SUMUP_OPENAPI_PATH ??
  resolve(fileURLToPath(new URL('../../../shared/sumup/openapi.json', import.meta.url)));
// ajv-formats is CommonJS: under ESM its plugin is the default export's `default`.
const addFormats = (formats as unknown as { default: FormatsPlugin }).default;

export const specAvailable = existsSync(specPath);

// Emulator routes as the spec names them. The last two are not in this copy of the spec;
// SUMUP.md says they answer a Checkout Success (process) and 204 (legacy refund).
const specPaths: Record<string, string> = {
  '/v0.1/checkouts': '/v0.1/checkouts',
  '/v0.1/checkouts/:id': '/v0.1/checkouts/{checkout_id}',
  '/v1.0/merchants/:merchantCode/payments/:transactionId/refunds':
    '/v1.0/merchants/{merchant_code}/payments/{transaction_id}/refunds',
};
const offSpec: Record<string, Record<number, string | null>> = {
  'PUT /v0.1/checkouts/:id': {
    200: 'CheckoutSuccess',
    400: 'ErrorExtended',
    404: 'Error',
    409: 'Error',
    401: 'Problem',
  },
  'POST /v0.1/me/refund/:transactionId': {
    204: null,
    400: 'ErrorExtended',
    401: 'Problem',
    404: 'Problem',
    409: 'Problem',
    422: 'Problem',
  },
};

// Where SUMUP.md's recorded behaviour and the spec disagree, the recorded behaviour wins,
// and only in these ways:
// - a 400 naming several fields is an array of the spec's single error object;
// - 401 comes as application/problem+json where the spec says application/json (same schema);
// - PATCH on a processed checkout answers 409 with SumUp's Error body, a status the spec omits.
const undeclaredStatuses: Record<string, string> = { 'PATCH /v0.1/checkouts/:id 409': 'Error' };
const jsonTypes = ['application/json', 'application/problem+json'];

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

/** Checks emulator answers against the spec's response schemas; collects what fails. */
export class SpecValidator {
  readonly violations: string[] = [];
  checked = 0;
  private readonly ajv: Ajv;
  private readonly spec: { paths: Record<string, Record<string, Operation>> };
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    this.spec = JSON.parse(readFileSync(specPath, 'utf8')) as typeof this.spec;
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(this.spec, 'sumup');
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema) as object);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  check(response: ObservedResponse): void {
    if (response.fault || !response.route) return;
    const where = `${response.method} ${response.route} → ${response.status}`;
    let schema: unknown;
    const extra = offSpec[`${response.method} ${response.route}`];
    if (extra) {
      if (!(response.status in extra))
        return void this.violations.push(`${where}: status not expected`);
      const name = extra[response.status];
      if (name === null) {
        if (response.body !== '') this.violations.push(`${where}: expected no body`);
        this.checked += 1;
        return;
      }
      schema = { $ref: `#/components/schemas/${name}` };
    } else {
      const path = specPaths[response.route];
      const operation = path ? this.spec.paths[path]?.[response.method.toLowerCase()] : undefined;
      const answer = operation?.responses[String(response.status)];
      const undeclared =
        undeclaredStatuses[`${response.method} ${response.route} ${response.status}`];
      if (!answer && !undeclared)
        return void this.violations.push(`${where}: not an answer the spec allows`);
      const type = (response.contentType ?? '').split(';')[0]!.trim();
      if (!jsonTypes.includes(type))
        return void this.violations.push(`${where}: ${type} is not JSON`);
      const media = answer?.content ?? {};
      const declared = media[type] ?? jsonTypes.map((t) => media[t]).find(Boolean);
      if (answer && !declared) {
        return void this.violations.push(
          `${where}: content type ${type} not in ${Object.keys(media).join(', ')}`,
        );
      }
      schema = declared ? declared.schema : { $ref: `#/components/schemas/${undeclared}` };
    }
    const validate = this.validator(`${where}`, schema);
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return void this.violations.push(`${where}: body is not JSON`);
    }
    this.checked += 1;
    const several = response.status === 400 && Array.isArray(body) && body.length > 1;
    for (const item of several ? (body as unknown[]) : [body]) {
      if (!validate(item)) {
        this.violations.push(
          `${where}: ${this.ajv.errorsText(validate.errors)} in ${response.body.slice(0, 300)}`,
        );
      }
    }
  }
}

/** Points the spec's local refs ('#/components/…') at the registered spec document. */
function rebase(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"sumup#/components/'));
}
