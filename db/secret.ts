import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential read from the database. It prints, serialises and inspects as
 * "[redacted]", so that a row logged or returned by mistake carries no secret;
 * only `reveal()` hands out the value, at the one place that must send it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
