import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { KeyRing } from '../../config/key-ring.ts';
import type { Database } from '../../db/client.ts';
import { CREDENTIALS_KEYS_VARIABLE, seal, unseal } from '../../db/sealed.ts';
import { eventSubscribers } from '../../db/schema/index.ts';
import type { Secret } from '../../db/secret.ts';
import { eventTypes } from './event-types.ts';

// Subscribers to our events, as ops manage them (`npm run ops -- subscribers …`) and as
// `EVENT_SUBSCRIBER_URL` registers one. Their signing secrets are shown once, when made,
// and kept sealed.

const PURPOSE = 'event_subscribers.secret';
/** How long the previous secret still signs after a rotation, unless told otherwise. */
export const DEFAULT_ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** Why a subscriber change is refused; the message is for ops, and names no secret. */
export class SubscriberError extends Error {
  override readonly name = 'SubscriberError';
}

const ringOf = (ring: KeyRing | undefined): KeyRing => {
  if (!ring) {
    throw new SubscriberError(
      `${CREDENTIALS_KEYS_VARIABLE} is not set: subscriber secrets are kept encrypted with it`,
    );
  }
  return ring;
};

/** A new Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

function checkSecret(secret: string): void {
  const bytes = /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)
    ? Buffer.from(secret.slice(6), 'base64').length
    : 0;
  if (bytes < 24 || bytes > 64) {
    throw new SubscriberError('a secret is whsec_ and 24 to 64 bytes in base64');
  }
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SubscriberError(`not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new SubscriberError('a subscriber URL is http:// or https://');
  }
}

function checkEvents(events: readonly string[]): void {
  const unknown = events.filter((type) => !(eventTypes as readonly string[]).includes(type));
  if (unknown.length) {
    throw new SubscriberError(
      `unknown event types: ${unknown.join(', ')} (known: ${eventTypes.join(', ')})`,
    );
  }
}

/** The secrets that sign for a subscriber now: its own, and the previous during a rotation. */
export function subscriberSecrets(
  ring: KeyRing | undefined,
  row: {
    secret_sealed: string;
    previous_secret_sealed: string | null;
    previous_secret_until: Date | string | null;
  },
): Secret[] {
  const keys = ringOf(ring);
  const previous =
    row.previous_secret_sealed &&
    row.previous_secret_until &&
    new Date(row.previous_secret_until).getTime() > Date.now()
      ? [unseal(keys, PURPOSE, row.previous_secret_sealed)]
      : [];
  return [unseal(keys, PURPOSE, row.secret_sealed), ...previous];
}

/** What ops see of a subscriber: never its secret. */
const view = (row: typeof eventSubscribers.$inferSelect) => ({
  id: row.id,
  url: row.url,
  events: row.eventTypes.length ? row.eventTypes : ['*'],
  state: row.state,
  ...(row.disabledReason ? { disabledReason: row.disabledReason, disabledAt: row.disabledAt } : {}),
  ...(row.failingSince ? { failingSince: row.failingSince } : {}),
  ...(row.previousSecretUntil && row.previousSecretUntil > new Date()
    ? { previousSecretUntil: row.previousSecretUntil }
    : {}),
  createdAt: row.createdAt,
});

export async function addSubscriber(
  db: Database,
  ring: KeyRing | undefined,
  input: { url: string; events?: readonly string[]; secret?: string },
) {
  checkUrl(input.url);
  checkEvents(input.events ?? []);
  const secret = input.secret ?? newSecret();
  checkSecret(secret);
  const [row] = await db
    .insert(eventSubscribers)
    .values({
      url: input.url,
      eventTypes: [...(input.events ?? [])],
      secretSealed: seal(ringOf(ring), PURPOSE, secret),
    })
    .onConflictDoNothing({ target: eventSubscribers.url })
    .returning();
  if (!row) throw new SubscriberError(`a subscriber for ${input.url} exists already`);
  return { ...view(row), secret };
}

/**
 * Registers the subscriber a deployment names (`EVENT_SUBSCRIBER_URL`, `_SECRET`), again and
 * again (each worker, each start): made once, its secret and events brought up to date, and
 * active again with a clean slate if it had been disabled.
 */
export async function ensureSubscriber(
  db: Database,
  ring: KeyRing | undefined,
  input: { url: string; secret: string; events?: readonly string[] },
) {
  checkUrl(input.url);
  checkSecret(input.secret);
  checkEvents(input.events ?? []);
  const fresh = {
    eventTypes: [...(input.events ?? [])],
    secretSealed: seal(ringOf(ring), PURPOSE, input.secret),
  };
  // One statement, so that workers starting together make it once.
  const [row] = await db
    .insert(eventSubscribers)
    .values({ url: input.url, ...fresh })
    .onConflictDoUpdate({
      target: eventSubscribers.url,
      set: {
        ...fresh,
        state: 'active',
        disabledReason: null,
        disabledAt: null,
        failingSince: null,
      },
    })
    .returning({ id: eventSubscribers.id });
  return row!.id;
}

export async function listSubscribers(db: Database) {
  const rows = await db.select().from(eventSubscribers).orderBy(eventSubscribers.id);
  return rows.map(view);
}

export async function removeSubscriber(db: Database, id: number) {
  const [row] = await db.delete(eventSubscribers).where(eq(eventSubscribers.id, id)).returning();
  if (!row) throw new SubscriberError(`no subscriber ${id}`);
  return { id, removed: true };
}

/** A new secret; the old one still signs (a second signature) for `overlapMs`. */
export async function rotateSecret(
  db: Database,
  ring: KeyRing | undefined,
  id: number,
  overlapMs = DEFAULT_ROTATION_OVERLAP_MS,
) {
  const secret = newSecret();
  const [row] = await db
    .update(eventSubscribers)
    .set({
      previousSecretSealed: sql`${eventSubscribers.secretSealed}`,
      previousSecretUntil: new Date(Date.now() + overlapMs),
      secretSealed: seal(ringOf(ring), PURPOSE, secret),
    })
    .where(eq(eventSubscribers.id, id))
    .returning();
  if (!row) throw new SubscriberError(`no subscriber ${id}`);
  return { ...view(row), secret };
}

/** Sends again to a disabled subscriber: what waited for it goes out. */
export async function enableSubscriber(db: Database, id: number) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(eventSubscribers)
      .set({ state: 'active', disabledReason: null, disabledAt: null, failingSince: null })
      .where(eq(eventSubscribers.id, id))
      .returning();
    if (!row) throw new SubscriberError(`no subscriber ${id}`);
    // What waited goes now, not at the end of its last backoff.
    await tx.execute(sql`
      UPDATE event_deliveries SET next_attempt_at = now(), attempts = 0
      WHERE subscriber_id = ${id} AND state = 'pending'`);
    return view(row);
  });
}
