import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';

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
      field: [where, ...issue.path.map(String)].join('.'),
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
  const status = (error as { status?: number; type?: string }).status;
  if (status === 413)
    return sendProblem(res, new ApiProblem(413, 'body_too_large', 'The body is too large.'));
  if (status === 415) {
    return sendProblem(
      res,
      new ApiProblem(415, 'unsupported_media_type', 'Send application/json.'),
    );
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
