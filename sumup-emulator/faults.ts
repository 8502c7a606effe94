import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { sendUnauthorized } from './errors.ts';

export const faultKinds = [
  /** 5xx with an HTML body, as a load balancer in trouble answers. */
  'server-error',
  /** 429 with Retry-After. */
  'rate-limit',
  /** The answer comes after `delayMs`, past the client's timeout; the work still happens. */
  'latency',
  /** The connection is dropped without an answer. */
  'reset',
  /** The request takes effect, then the answer is a 5xx: the client cannot know it worked. */
  'created-then-error',
  /** SumUp's own 401, as for an API key revoked or rotated away. */
  'unauthorized',
] as const;
export type FaultKind = (typeof faultKinds)[number];

export const faultRuleInput = z.object({
  kind: z.enum(faultKinds),
  /** `METHOD /route/pattern` as the emulator declares it, e.g. `POST /v0.1/checkouts`. */
  route: z.string().optional(),
  checkoutReference: z.string().optional(),
  /** How many matching requests it hits; unlimited when absent. */
  times: z.number().int().positive().optional(),
  status: z.number().int().min(500).max(599).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  delayMs: z.number().int().min(0).optional(),
  /** The share of matching requests it hits (0 to 1): chaos runs fail some calls at random. */
  probability: z.number().min(0).max(1).optional(),
});
export type FaultRule = z.infer<typeof faultRuleInput> & { id: string; hits: number };

/** Per request: a test or demo can ask for one fault on one call with this header. */
export const FAULT_HEADER = 'x-sumup-emulator-fault';

export class Faults {
  private rules: FaultRule[] = [];

  add(input: z.infer<typeof faultRuleInput>): FaultRule {
    const rule = { ...input, id: randomUUID(), hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return [...this.rules];
  }

  /** Takes the first rule matching this request, counting it against its `times`. */
  private take(route: string, checkoutReference: string | undefined): FaultRule | undefined {
    const rule = this.rules.find(
      (r) =>
        (r.route === undefined || r.route === route) &&
        (r.checkoutReference === undefined || r.checkoutReference === checkoutReference) &&
        (r.probability === undefined || Math.random() < r.probability),
    );
    if (!rule) return undefined;
    rule.hits += 1;
    if (rule.times !== undefined && rule.hits >= rule.times) {
      this.rules = this.rules.filter((r) => r !== rule);
    }
    return rule;
  }

  /**
   * Express middleware for one route. `reference` names the checkout a request concerns,
   * when it can be told before the handler runs.
   */
  middleware(route: string, reference: (req: Request) => string | undefined) {
    return async (req: Request, res: Response, next: NextFunction) => {
      const header = req.get(FAULT_HEADER) as FaultKind | undefined;
      const rule: Partial<FaultRule> | undefined =
        header && (faultKinds as readonly string[]).includes(header)
          ? { kind: header }
          : this.take(route, reference(req));
      if (!rule?.kind) return next();
      // Marks the answer as infrastructure trouble, not one of SumUp's own answers.
      res.locals.fault = rule.kind;
      switch (rule.kind) {
        case 'server-error':
          return sendGatewayError(res, rule.status ?? 502);
        case 'rate-limit':
          res.set('Retry-After', String(rule.retryAfterSeconds ?? 1));
          res.status(429).type('application/problem+json');
          res.send(
            JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429 }),
          );
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'unauthorized':
          return sendUnauthorized(res);
        case 'latency':
          await sleep(rule.delayMs ?? 30_000);
          return next();
        case 'created-then-error': {
          // Let the handler do its work, then swap whatever it answers for a 5xx.
          const status = rule.status ?? 500;
          res.json = () => (sendGatewayError(res, status), res);
          return next();
        }
      }
    };
  }
}

function sendGatewayError(res: Response, status: number): void {
  res
    .status(status)
    .type('text/html')
    .send(`<html><body><h1>${status} Server Error</h1></body></html>`);
}
