import type { RequestHandler, Response } from 'express';
import type { Database } from '../db/client.ts';
import {
  claimIdempotencyKey,
  IDEMPOTENCY_KEY_FORMAT,
  keepAnswer,
  releaseKey,
  requestFingerprint,
} from '../db/queries/idempotency.ts';
import { shopperOf } from './auth.ts';
import { ApiProblem } from './problem.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const field = 'header.idempotency-key';

export interface IdempotencyOptions {
  /** Whose keys these are (`admin:<name>`); the storefront's shopper when absent. */
  owner?: (res: Response) => string;
  /**
   * A request without a key is refused (428) instead of let through: for actions whose
   * repetition costs money (an admin's refund), where a retry must never be a second one.
   */
  required?: boolean;
}

/** The storefront's shopper as the owner of a key: `user:<id>`, else `session:<id>`. */
const shopperOwner = (res: Response) => {
  const shopper = shopperOf(res);
  return shopper.userId !== undefined ? `user:${shopper.userId}` : `session:${shopper.sessionId}`;
};

/** The owner and key of the request being answered, when it carries one. */
export const idempotencyOf = (res: Response) =>
  res.locals.idempotency as { owner: string; key: string } | undefined;

/**
 * `Idempotency-Key` on mutating requests, as the IETF draft "The Idempotency-Key HTTP Header
 * Field" has it, by the rule of db/queries/idempotency.ts: the first answer (status and body)
 * is kept 24 hours per owner and key; the same key with the same request replays it, with
 * another request answers 422, and while the first is still in flight answers 409. A request
 * that ends in a 5xx keeps nothing, so it may be retried with its key. Without the header,
 * nothing changes, unless a key is `required` (428).
 */
export function idempotency(db: Database, options: IdempotencyOptions = {}): RequestHandler {
  const ownerOf = options.owner ?? shopperOwner;
  return (req, res, next) => {
    if (!MUTATING.has(req.method)) return next();
    const key = req.get(IDEMPOTENCY_HEADER);
    if (key === undefined) {
      if (!options.required) return next();
      return next(
        new ApiProblem(428, 'idempotency_key_required', 'Send an Idempotency-Key.', [
          { field, message: 'required: a retry with the same key is the same request' },
        ]),
      );
    }
    if (!IDEMPOTENCY_KEY_FORMAT.test(key)) {
      return next(
        new ApiProblem(400, 'invalid_input', 'The Idempotency-Key is not valid.', [
          { field, message: '1 to 255 visible ASCII characters' },
        ]),
      );
    }
    const mine = { owner: ownerOf(res), key };
    const fingerprint = requestFingerprint(
      `${req.method} ${req.baseUrl}${req.path}`,
      req.body ?? null,
    );

    void (async () => {
      const claim = await claimIdempotencyKey(db, { ...mine, fingerprint });
      if (claim.kind === 'claimed') return keepTheAnswer();
      if (claim.kind === 'reused') {
        throw new ApiProblem(
          422,
          'idempotency_key_reused',
          'This Idempotency-Key was used for another request.',
          [{ field, message: 'used for another request' }],
        );
      }
      if (claim.kind === 'in_flight') {
        res.set('retry-after', '1');
        throw new ApiProblem(
          409,
          'idempotency_key_in_flight',
          'A request with this Idempotency-Key is still being answered.',
        );
      }
      const { answer } = claim;
      res.status(answer.status).set('idempotent-replayed', 'true');
      if (answer.contentType) res.type(answer.contentType);
      // Through `send`, as the first answer went: the admin audit (api/audit.ts) puts a
      // replay on record too.
      res.send(answer.body ?? undefined);
    })().catch(next);

    /**
     * Lets the request through, and keeps its answer before it is sent: a client that has
     * an answer and asks again at once is replayed it, never told the first is in flight.
     */
    function keepTheAnswer() {
      res.locals.idempotency = mine;
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
      let ended = false;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        ended = true;
        const body =
          typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : null;
        const kept =
          res.statusCode < 500
            ? keepAnswer(db, mine, {
                status: res.statusCode,
                contentType: String(res.get('content-type') ?? '') || null,
                body,
              })
            : // A failure of ours: the key is free for a retry.
              releaseKey(db, mine);
        // Kept or not, the answer goes; a key that could not keep it is freed if it can be.
        kept
          .catch(() => releaseKey(db, mine))
          .catch(() => undefined)
          .finally(() => end(chunk, ...rest));
        return res;
      }) as typeof res.end;
      // A client gone before its answer: the key is free for a retry.
      res.once('close', () => {
        if (!ended) releaseKey(db, mine).catch(() => undefined);
      });
      next();
    }
  };
}
