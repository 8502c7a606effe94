import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';

export interface FieldProblem {
  field: string;
  message: string;
}

/** An error the client can act on: an HTTP status, a machine-readable code, the fields at fault. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Why one cart line cannot be bought. */
export const lineProblemSchema = z.object({
  kind: z.enum(['product', 'booking', 'ticket']),
  id: z.number().int(),
  title: z.string(),
  reason: z.string(),
});

/** The body of every error answer (RFC 9457, with `code` and `fields` added). */
export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string().describe('Machine-readable; stable across releases.'),
  fields: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .describe('The inputs at fault, as `body.x`, `path.x`, `query.x` or `header.x`.'),
  problems: z
    .array(lineProblemSchema)
    .optional()
    .describe(
      'For `lines_unavailable` and `lines_in_checkout`: the cart lines that cannot be bought, and why.',
    ),
  openCheckout: z
    .object({
      scope: z
        .union([z.literal('global'), z.number().int()])
        .describe('As in `/v1/checkouts/{scope}`.'),
    })
    .optional()
    .describe("For `lines_in_checkout`: the shopper's open checkout that holds the lines."),
  openCheckouts: z
    .number()
    .int()
    .optional()
    .describe("For `merchant_in_use`: the page's checkouts still open at its earlier merchant."),
  refundsOwed: z
    .number()
    .int()
    .optional()
    .describe("For `merchant_in_use`: refunds of that merchant's payments not yet paid back."),
});

const problemMeanings: Record<number, string> = {
  400: 'Invalid input: the fields at fault are named.',
  401: 'No or bad credential.',
  403: 'Not allowed for this shopper (for example, not signed in).',
  404: "Not found, or not this shopper's.",
  409: 'In a state that does not allow this.',
  413: 'Body too large.',
  422: 'The Idempotency-Key was used for another request.',
  428: 'An Idempotency-Key is required.',
  405: 'This path does not take this method: see Allow.',
  415: 'Not application/json.',
  429: 'Rate limited: see Retry-After.',
  500: 'Our fault; nothing was changed by the client.',
};

/** Problem answers for the OpenAPI document. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: problemMeanings[status] ?? 'A problem.', schema: problemSchema },
    ]),
  );
}

export function sendProblem(res: Response, problem: ApiProblem): void {
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `/problems/${problem.code}`,
        title: problem.message,
        status: problem.status,
        code: problem.code,
        ...(problem.fields.length ? { fields: problem.fields } : {}),
        ...problem.extra,
      }),
    );
}

/** Parses with zod, turning a failure into a 400 that names every field at fault. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiProblem(
    400,
    'invalid_input',
    `The ${where} is not valid.`,
    result.error.issues.map((issue) => ({
      // One spelling of a field everywhere: `body.lines[0].itemId`.
      field: issue.path.reduce<string>(
        (at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`),
        where,
      ),
      message: issue.message,
    })),
  );
}

/**
 * The last middleware: problems as problem+json; the body parser's refusals as 400, 413 and
 * 415; anything else as a 500 that says nothing of its cause.
 */
export function problemHandler(
  error: unknown,
  _req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (res.headersSent) return next(error);
  if (error instanceof ApiProblem) return sendProblem(res, error);
  const { status, type } = error as { status?: number; type?: string };
  if (status === 413)
    return sendProblem(res, new ApiProblem(413, 'body_too_large', 'The body is too large.'));
  if (status === 415) {
    return sendProblem(
      res,
      new ApiProblem(415, 'unsupported_media_type', 'Send application/json.'),
    );
  }
  if (status === 400 && type !== 'entity.parse.failed') {
    return sendProblem(res, new ApiProblem(400, 'bad_request', 'The request is malformed.'));
  }
  if (status === 400) {
    return sendProblem(
      res,
      new ApiProblem(400, 'invalid_json', 'The body is not valid JSON.', [
        { field: 'body', message: 'malformed JSON' },
      ]),
    );
  }
  console.error(
    JSON.stringify({
      msg: 'unhandled API error',
      error: error instanceof Error ? error.message : String(error),
    }),
  );
  sendProblem(res, new ApiProblem(500, 'internal_error', 'Something went wrong on our side.'));
}
