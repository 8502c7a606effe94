import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { buildOpenApi } from '../../api/openapi.ts';

type Document = ReturnType<typeof buildOpenApi>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

/**
 * Holds every answer of the API to its own published contract: the status must be one the
 * operation documents, and a JSON body must match that status's schema.
 */
export class ContractChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<object, ValidateFunction>();
  private readonly routes: { pattern: RegExp; path: string }[];

  constructor(private readonly document: Document) {
    formats(this.ajv);
    this.routes = Object.keys(document.paths).map((path) => ({
      path,
      pattern: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`),
    }));
  }

  /** Throws when the answer breaks the contract; undocumented paths are not its business. */
  check(method: string, url: string, status: number, contentType: string, body: string): void {
    const path = new URL(url, 'http://x').pathname;
    const route = this.routes.find((r) => r.pattern.test(path));
    if (!route) return;
    const operation = this.document.paths[route.path]![method.toLowerCase()] as
      Operation | undefined;
    if (!operation) return;
    const answer = operation.responses[String(status)];
    if (!answer) {
      throw new Error(`${method} ${route.path} answered ${status}, which it does not document`);
    }
    const type = contentType.split(';')[0]!.trim();
    if (!answer.content || body === '') return;
    const documented = answer.content[type];
    if (!documented) {
      throw new Error(
        `${method} ${route.path} ${status} answered ${type}, which it does not document`,
      );
    }
    if (!type.endsWith('json')) return;
    let validate = this.validators.get(documented.schema);
    if (!validate) {
      validate = this.ajv.compile(documented.schema);
      this.validators.set(documented.schema, validate);
    }
    if (!validate(JSON.parse(body))) {
      throw new Error(
        `${method} ${route.path} ${status} breaks its schema: ${this.ajv.errorsText(validate.errors)}`,
      );
    }
  }
}
