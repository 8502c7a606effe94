import type { Response } from 'express';
import type { z } from 'zod';

// SumUp's error bodies, as SUMUP.md records them. The checkout routes answer in SumUp's
// legacy shape ({message, error_code, param}); 401 and the refund routes in problem+json.

export interface ValidationError {
  message: 'Validation error';
  error_code: 'MISSING' | 'INVALID';
  param: string;
}

const valueAt = (input: unknown, path: PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (value, key) =>
      value !== null && typeof value === 'object'
        ? (value as Record<PropertyKey, unknown>)[key]
        : undefined,
    input,
  );

/** 400: one object for one bad field, an array when several fail. */
export function sendValidationError(res: Response, error: z.ZodError, input: unknown): void {
  const errors: ValidationError[] = error.issues.map((issue) => ({
    message: 'Validation error',
    error_code: valueAt(input, issue.path) === undefined ? 'MISSING' : 'INVALID',
    param: issue.path.join('.') || 'body',
  }));
  res.status(400).json(errors.length === 1 ? errors[0] : errors);
}

export function sendError(res: Response, status: number, errorCode: string, message: string): void {
  res.status(status).json({ error_code: errorCode, message });
}

export function sendProblem(
  res: Response,
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `https://developer.sumup.com/problem/${title.toLowerCase().replace(/\W+/g, '-')}`,
        title,
        status,
        detail,
        trace_id: crypto.randomUUID(),
        ...extra,
      }),
    );
}

export const sendUnauthorized = (res: Response) =>
  sendProblem(res, 401, 'Unauthorized', 'Unauthorized.');
