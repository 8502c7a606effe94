import { ApplicationFailure } from '@temporalio/common';
import { APIError, SumUpError } from '@sumup/sdk';

/** Failure types the workflow can tell apart. The non-retryable ones keep SumUp's code. */
export const SumupFailure = {
  /** 5xx, 429, timeouts, network errors: Temporal retries. */
  unavailable: 'SumupUnavailable',
  /** 400: our request was wrong; retrying cannot help. */
  validation: 'SumupValidationError',
  /** 401, 403: the page's credentials are wrong or revoked. */
  credentials: 'SumupCredentialsError',
  /** 404: no such checkout or transaction. */
  notFound: 'SumupNotFound',
  /** 409, 422: already processed, expired, or more than is refundable. */
  conflict: 'SumupConflict',
  /** Still unavailable when creating a checkout had to give up: not a refusal. */
  creationDeadline: 'SumupCreationDeadline',
} as const;

export interface SumupFailureDetails {
  status?: number;
  errorCode?: string;
}

/** SumUp's error code from either of its body shapes (legacy object or array, or problem+json). */
export function sumupErrorCode(error: unknown): string | undefined {
  if (!(error instanceof APIError)) return undefined;
  const body: unknown = Array.isArray(error.error) ? error.error[0] : error.error;
  if (body && typeof body === 'object') {
    const { error_code: code, title } = body as { error_code?: unknown; title?: unknown };
    if (typeof code === 'string') return code;
    if (typeof title === 'string') return title;
  }
  return undefined;
}

/** True for the failures after which the request may or may not have taken effect. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof APIError)
    return error.status >= 500 || error.status === 429 || error.status === 408;
  // Timeouts (SumUpError) and network failures (fetch's TypeError) alike.
  return error instanceof SumUpError || error instanceof TypeError;
}

function retryAfterMs(error: APIError<unknown>): number | undefined {
  const header = error.response.headers.get('retry-after');
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * Turns whatever the SDK threw into an ApplicationFailure whose type and retryability
 * Temporal's activity retry policy acts on. Messages carry the operation and SumUp's code,
 * never credentials.
 */
export function classifySumupError(operation: string, error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof APIError) {
    const details: SumupFailureDetails = { status: error.status };
    const errorCode = sumupErrorCode(error);
    if (errorCode) details.errorCode = errorCode;
    const message = `SumUp ${operation} answered ${error.status}${errorCode ? ` ${errorCode}` : ''}`;
    if (isRetryable(error)) {
      const delay = error.status === 429 ? retryAfterMs(error) : undefined;
      return ApplicationFailure.create({
        message,
        type: SumupFailure.unavailable,
        details: [details],
        ...(delay !== undefined ? { nextRetryDelay: delay } : {}),
      });
    }
    const type =
      error.status === 400
        ? SumupFailure.validation
        : error.status === 401 || error.status === 403
          ? SumupFailure.credentials
          : error.status === 404
            ? SumupFailure.notFound
            : SumupFailure.conflict;
    return ApplicationFailure.nonRetryable(message, type, details);
  }
  const reason = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.retryable(
    `SumUp ${operation} failed: ${reason}`,
    SumupFailure.unavailable,
  );
}
