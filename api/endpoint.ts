import express, { type Request, type RequestHandler, type Response } from 'express';
import { match } from 'path-to-regexp';
import type { z } from 'zod';
import { ApiProblem, parse } from './problem.ts';

/**
 * Who may call: `shopper` needs the storefront's service credential and a signed shopper
 * token; `admin` an admin credential (`API_ADMIN_TOKENS`), every call audited; `public` is
 * open (SumUp, shoppers' browsers), so it is rate limited and trusts nothing it is told.
 */
export type Access = 'shopper' | 'public' | 'admin';

export interface ResponseSpec {
  description: string;
  /** Body schemas by media type; JSON when only `schema` is given. */
  schema?: z.ZodType;
  html?: true;
  text?: true;
}

export interface EndpointSpec<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** An Express path pattern (`/v1/cart/products/:id`). */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * `required`: the request must carry an `Idempotency-Key` (api/idempotency.ts, mounted by
   * `routerOf`), and a retry with it is answered what the first was. The storefront's
   * mutating requests take one without this (optional, for the whole storefront).
   */
  idempotencyKey?: 'required';
  /** The answers a client can act on; the common problems (401, 415, 429, 500) are implied. */
  responses: Record<number, ResponseSpec>;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface Endpoint {
  spec: EndpointSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;
  handler: RequestHandler;
  /** Runs before the handler: a body parser with its own limit, a rate limiter. */
  before: RequestHandler[];
}

/**
 * One HTTP endpoint: the zod schemas that validate its input are the ones the OpenAPI
 * document is generated from, so the contract cannot drift from what is enforced.
 */
export function endpoint<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  spec: EndpointSpec<P, Q, B>,
  handle: (
    input: { params: Parsed<P>; query: Parsed<Q>; body: Parsed<B> },
    req: Request,
    res: Response,
  ) => Promise<void> | void,
  before: RequestHandler[] = [],
): Endpoint {
  const handler: RequestHandler = async (req, res) => {
    const input = {
      params: (spec.params ? parse(spec.params, req.params, 'path') : undefined) as Parsed<P>,
      query: (spec.query ? parse(spec.query, req.query, 'query') : undefined) as Parsed<Q>,
      body: (spec.body ? parse(spec.body, req.body ?? {}, 'body') : undefined) as Parsed<B>,
    };
    await handle(input, req, res);
  };
  return { spec, handler, before };
}

/**
 * The endpoints on a router; `keys` (api/idempotency.ts with `required`) before the handler
 * of each that requires an `Idempotency-Key`, after its own `before` (a body parser of its
 * own must have read the body that the key's fingerprint covers).
 */
export function routerOf(endpoints: Endpoint[], keys?: RequestHandler): express.Router {
  const router = express.Router();
  for (const { spec, before, handler } of endpoints) {
    const keyed = spec.idempotencyKey === 'required';
    if (keyed && !keys) {
      // A wiring mistake, found at startup rather than as an unguarded refund.
      throw new Error(
        `${spec.method} ${spec.path} requires an Idempotency-Key: give routerOf keys`,
      );
    }
    router[spec.method](spec.path, ...before, ...(keyed ? [keys!] : []), handler);
  }
  return router;
}

/**
 * 405 with `Allow` for a path the API serves with other methods (a GET of a path that only
 * takes POST, say), before any credential is asked for: the answer is about the URL.
 */
export function methodNotAllowed(endpoints: Endpoint[]): express.RequestHandler {
  const paths = [...new Set(endpoints.map((e) => e.spec.path))].map((path) => ({
    matches: match(path, { decode: false }),
    methods: endpoints.filter((e) => e.spec.path === path).map((e) => e.spec.method.toUpperCase()),
  }));
  return (req, res, next) => {
    const allowed = paths.filter((p) => p.matches(req.path)).flatMap((p) => p.methods);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (allowed.length === 0 || allowed.includes(method)) return next();
    const allow = [...new Set([...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])])];
    res.set('allow', allow.join(', '));
    next(
      new ApiProblem(405, 'method_not_allowed', `${req.method} is not allowed here.`, [], {
        allow,
      }),
    );
  };
}
