import { createHash } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { idempotencyKeys } from '../schema/index.ts';

// The one rule of an `Idempotency-Key`, for the HTTP API (api/idempotency.ts) and the ops CLI
// (ops/with-database.ts) alike: the first answer is kept 24 hours per owner and key; the same
// key with the same request replays it, with another request is refused, and while the first
// is still being answered is busy. A failure of ours keeps nothing, so the key may be retried.

const KEPT_MS = 24 * 3_600_000;

/** 1 to 255 visible ASCII characters, as the IETF draft's examples and most clients send. */
export const IDEMPOTENCY_KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

/**
 * What a key stands for: the action (`POST /v1/cart/products`, `ops orders refund`) and its
 * input. The same key with another fingerprint is another request.
 */
export const requestFingerprint = (action: string, input: unknown): string =>
  createHash('sha256')
    .update(`${action}\n${JSON.stringify(input ?? null)}`)
    .digest('hex');

export interface KeptAnswer {
  status: number;
  contentType: string | null;
  body: string | null;
}

export type KeyClaim =
  /** A new request: do it, then `keepAnswer` (or `releaseKey` on a failure of ours). */
  | { kind: 'claimed' }
  /** The same request again: answer what the first was answered, and do nothing. */
  | { kind: 'replay'; answer: KeptAnswer }
  | { kind: 'reused' }
  | { kind: 'in_flight' };

interface KeyOf {
  /** Whose key: `user:<id>`, `session:<id>`, `admin:<name>`, `ops`. Keys never collide across owners. */
  owner: string;
  key: string;
}

const mine = ({ owner, key }: KeyOf) =>
  and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key));

/** Claims the key for this request, or says what the first request with it was. */
export async function claimIdempotencyKey(
  db: Database,
  claim: KeyOf & { fingerprint: string },
): Promise<KeyClaim> {
  // A key is kept 24 hours: an older one is forgotten, and the request is a new one.
  await db
    .delete(idempotencyKeys)
    .where(and(mine(claim), lt(idempotencyKeys.createdAt, new Date(Date.now() - KEPT_MS))));
  const [claimed] = await db
    .insert(idempotencyKeys)
    .values({ owner: claim.owner, key: claim.key, fingerprint: claim.fingerprint })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (claimed) return { kind: 'claimed' };
  const [first] = await db.select().from(idempotencyKeys).where(mine(claim));
  if (!first) return { kind: 'claimed' }; // forgotten meanwhile: a new request after all
  if (first.fingerprint !== claim.fingerprint) return { kind: 'reused' };
  if (first.status === null) return { kind: 'in_flight' };
  return {
    kind: 'replay',
    answer: { status: first.status, contentType: first.contentType, body: first.body },
  };
}

/** Keeps the answer of a claimed key, for its retries. */
export async function keepAnswer(db: Database, of: KeyOf, answer: KeptAnswer): Promise<void> {
  await db.update(idempotencyKeys).set(answer).where(mine(of));
}

/** Frees a claimed key that has no answer (a failure of ours, a client gone) for a retry. */
export async function releaseKey(db: Database, of: KeyOf): Promise<void> {
  await db.delete(idempotencyKeys).where(and(mine(of), sql`${idempotencyKeys.status} IS NULL`));
}
