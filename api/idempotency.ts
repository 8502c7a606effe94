import { createHash } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { RequestHandler } from 'express';
import type { Database } from '../db/client.ts';
import { idempotencyKeys } from '../db/schema/index.ts';
import { shopperOf } from './auth.ts';
import { ApiProblem } from './problem.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const KEPT_MS = 24 * 3_600_000;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * `Idempotency-Key` on the storefront's mutating requests, as the IETF draft "The
 * Idempotency-Key HTTP Header Field" has it: the first answer (status and body) is kept 24
 * hours per shopper and key; the same key with the same request replays it, with another
 * request answers 422, and while the first is still in flight answers 409. A request that
 * ends in a 5xx keeps nothing, so it may be retried with its key. Without the header,
 * nothing changes.
 */
export function idempotency(db: Database): RequestHandler {
  return (req, res, next) => {
    const key = req.get(IDEMPOTENCY_HEADER);
    if (key === undefined || !MUTATING.has(req.method)) return next();
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      return next(
        new ApiProblem(400, 'invalid_input', 'The Idempotency-Key is not valid.', [
          { field: 'header.idempotency-key', message: '1 to 255 visible ASCII characters' },
        ]),
      );
    }
    const shopper = shopperOf(res);
    const owner =
      shopper.userId !== undefined ? `user:${shopper.userId}` : `session:${shopper.sessionId}`;
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${req.path}\n${JSON.stringify(req.body ?? null)}`)
      .digest('hex');
    const mine = and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key));

    void (async () => {
      // A key is kept 24 hours: an older one is forgotten, and the request is a new one.
      await db
        .delete(idempotencyKeys)
        .where(and(mine, lt(idempotencyKeys.createdAt, new Date(Date.now() - KEPT_MS))));
      const [claimed] = await db
        .insert(idempotencyKeys)
        .values({ owner, key, fingerprint })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (claimed) return keepTheAnswer();
      const [first] = await db.select().from(idempotencyKeys).where(mine);
      if (!first) return keepTheAnswer(); // forgotten meanwhile: a new request after all
      if (first.fingerprint !== fingerprint) {
        throw new ApiProblem(
          422,
          'idempotency_key_reused',
          'This Idempotency-Key was used for another request.',
          [{ field: 'header.idempotency-key', message: 'used for another request' }],
        );
      }
      if (first.status === null) {
        res.set('retry-after', '1');
        throw new ApiProblem(
          409,
          'idempotency_key_in_flight',
          'A request with this Idempotency-Key is still being answered.',
        );
      }
      res.status(first.status).set('idempotent-replayed', 'true');
      if (first.contentType) res.type(first.contentType);
      res.end(first.body ?? undefined);
    })().catch(next);

    /** Lets the request through, and keeps its answer once it is sent. */
    function keepTheAnswer() {
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
      let body: string | undefined;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        if (typeof chunk === 'string') body = chunk;
        else if (Buffer.isBuffer(chunk)) body = chunk.toString();
        return end(chunk, ...rest);
      }) as typeof res.end;
      res.once('close', () => {
        const kept =
          res.writableFinished && res.statusCode < 500
            ? db
                .update(idempotencyKeys)
                .set({
                  status: res.statusCode,
                  contentType: String(res.get('content-type') ?? '') || null,
                  body: body ?? null,
                })
                .where(mine)
            : // A failure of ours, or a client gone: the key is free for a retry.
              db.delete(idempotencyKeys).where(and(mine, sql`${idempotencyKeys.status} IS NULL`));
        kept.catch(() => undefined);
      });
      next();
    }
  };
}
