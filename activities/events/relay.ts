import type { MetricMeter } from '@temporalio/common';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import type { Database } from '../../db/client.ts';
import type { KeyRing } from '../../config/key-ring.ts';
import { envelopeOf } from './event-types.ts';
import { subscriberSecrets } from './subscribers.ts';

// The outbox relay: delivers each pending `event_deliveries` row to its subscriber, signed
// as Standard Webhooks asks, at least once. PostgreSQL is the queue: a relay leases what is
// due with FOR UPDATE SKIP LOCKED, so several workers never send the same delivery at once;
// a relay that dies mid-send leaves a lease that runs out, and the delivery goes again with
// the same `webhook-id`. Only the oldest pending event of an order is due for a subscriber,
// so one order's events arrive in the order they happened.

/** How long to wait after each failed attempt, after Standard Webhooks' schedule. */
export const STANDARD_RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
  // Then twice a day, until the subscriber has failed for `disableAfterMs`.
  12 * 3_600_000,
];

export interface RelaySettings {
  db: Database;
  credentialsKeys: KeyRing | undefined;
  /** How often to look for due deliveries when the last look found none. */
  pollMs?: number;
  /** Deliveries leased per look, sent at once. */
  batch?: number;
  /** How long a relay holds what it sends (default: twice `timeoutMs`, and 5 s). */
  leaseMs?: number;
  timeoutMs?: number;
  retryDelaysMs?: readonly number[];
  /** A subscriber failing this long is disabled (3 days). */
  disableAfterMs?: number;
  meter?: MetricMeter;
  onError?: (error: unknown) => void;
}

type DueDelivery = {
  id: number;
  lease_token: string;
  event_id: number;
  type: string;
  payload: unknown;
  event_created_at: Date;
  attempts: number;
  subscriber_id: number;
  url: string;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_until: Date | null;
};

interface Outcome {
  status: number | null;
  error: string | null;
  durationMs: number;
}

const DAY_MS = 86_400_000;

/** Leases up to `batch` due deliveries: each the oldest pending one of its order. */
async function leaseDue(db: Database, batch: number, leaseMs: number): Promise<DueDelivery[]> {
  const { rows } = await db.execute<DueDelivery>(sql`
    WITH due AS (
      SELECT d.id FROM event_deliveries d
      JOIN event_subscribers s ON s.id = d.subscriber_id AND s.state = 'active'
      WHERE d.state = 'pending' AND d.next_attempt_at <= now()
        AND (d.leased_until IS NULL OR d.leased_until < now())
        AND NOT EXISTS (
          SELECT 1 FROM event_deliveries e
          WHERE e.state = 'pending' AND e.subscriber_id = d.subscriber_id
            AND e.order_id = d.order_id AND e.event_id < d.event_id)
      ORDER BY d.next_attempt_at, d.id
      LIMIT ${batch}
      FOR UPDATE OF d SKIP LOCKED)
    UPDATE event_deliveries d SET leased_until = now() + ${`${leaseMs} milliseconds`}::interval,
      lease_token = gen_random_uuid()
    FROM due, outbox_events ev, event_subscribers s
    WHERE d.id = due.id AND ev.id = d.event_id AND s.id = d.subscriber_id
    RETURNING d.id, d.lease_token, d.event_id, ev.type, ev.payload, ev.created_at AS event_created_at,
      d.attempts, s.id AS subscriber_id, s.url, s.secret_sealed, s.previous_secret_sealed,
      s.previous_secret_until`);
  return rows.map((row) => ({ ...row, event_created_at: new Date(row.event_created_at) }));
}

/** POSTs one delivery, signed with the subscriber's secret (both, during a rotation). */
async function send(
  delivery: DueDelivery,
  credentialsKeys: KeyRing | undefined,
  timeoutMs: number,
): Promise<Outcome> {
  // Signing fails only for our own reasons (no CREDENTIALS_KEYS, a key gone from it): that
  // throws, the delivery is not counted against the subscriber, and its lease runs out.
  const body = JSON.stringify(
    envelopeOf(delivery.type, delivery.event_created_at, delivery.payload),
  );
  const id = `evt_${delivery.event_id}`;
  const at = new Date();
  const signature = subscriberSecrets(credentialsKeys, delivery)
    .map((secret) => new Webhook(secret.reveal()).sign(id, at, body))
    .join(' ');
  const started = performance.now();
  const outcome = (status: number | null, error: string | null): Outcome => ({
    status,
    error,
    durationMs: Math.round(performance.now() - started),
  });
  try {
    const response = await fetch(delivery.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'rose-checkout-webhooks',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return outcome(response.status, response.ok ? null : `HTTP ${response.status}`);
  } catch (error) {
    const { cause } = error as { cause?: { code?: string; message?: string } };
    const detail = cause?.code ?? cause?.message;
    const name = (error as Error).name === 'TimeoutError' ? 'timeout' : (error as Error).message;
    return outcome(null, detail ? `${name} (${detail})` : name);
  }
}

/**
 * Puts the attempt on record, and the delivery's next step: delivered; due again after the
 * schedule's next delay; or, for a subscriber that answered 410 Gone or has failed for
 * `disableAfterMs`, its subscriber disabled with the reason (its deliveries stay pending).
 */
async function settle(
  db: Database,
  delivery: DueDelivery,
  outcome: Outcome,
  retryDelaysMs: readonly number[],
  disableAfterMs: number,
): Promise<boolean> {
  const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
  const delay = retryDelaysMs[Math.min(delivery.attempts, retryDelaysMs.length - 1)]!;
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      INSERT INTO event_delivery_attempts (delivery_id, status, error, duration_ms)
      VALUES (${delivery.id}, ${outcome.status}, ${outcome.error}, ${outcome.durationMs})`);
    // Only under our own lease: one that ran out (a slow send) belongs to another relay now.
    const ours = sql`id = ${delivery.id} AND lease_token = ${delivery.lease_token}`;
    if (delivered) {
      const settled = await tx.execute(sql`
        UPDATE event_deliveries SET state = 'delivered', delivered_at = now(),
          attempts = attempts + 1, leased_until = NULL, lease_token = NULL,
          last_status = ${outcome.status}, last_error = NULL
        WHERE ${ours}`);
      if (settled.rowCount === 0) return;
      await tx.execute(sql`
        UPDATE event_subscribers SET failing_since = NULL
        WHERE id = ${delivery.subscriber_id} AND failing_since IS NOT NULL`);
      // The event is published once no subscriber waits for it.
      await tx.execute(sql`
        UPDATE outbox_events SET published_at = now(), attempts = attempts + 1
        WHERE id = ${delivery.event_id} AND NOT EXISTS (
          SELECT 1 FROM event_deliveries
          WHERE event_id = ${delivery.event_id} AND state = 'pending')`);
      return;
    }
    const settled = await tx.execute(sql`
      UPDATE event_deliveries SET attempts = attempts + 1, leased_until = NULL, lease_token = NULL,
        last_status = ${outcome.status}, last_error = ${outcome.error},
        next_attempt_at = now() + ${`${delay} milliseconds`}::interval
      WHERE ${ours}`);
    if (settled.rowCount === 0) return;
    await tx.execute(sql`
      UPDATE outbox_events SET attempts = attempts + 1, last_error = ${outcome.error}
      WHERE id = ${delivery.event_id}`);
    // Failing since its first failure after a success; disabled once that is too long ago,
    // or at once for 410 Gone.
    const gone = outcome.status === 410;
    await tx.execute(sql`
      UPDATE event_subscribers SET failing_since = coalesce(failing_since, now())
      WHERE id = ${delivery.subscriber_id} AND state = 'active'`);
    await tx.execute(sql`
      UPDATE event_subscribers SET state = 'disabled', disabled_at = now(),
        disabled_reason = CASE WHEN ${gone} THEN 'gone: answered 410 Gone'
          ELSE 'failing since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            || ': ' || ${outcome.error ?? 'no answer'} END
      WHERE id = ${delivery.subscriber_id} AND state = 'active'
        AND (${gone} OR failing_since < now() - ${`${disableAfterMs} milliseconds`}::interval)`);
  });
  return delivered;
}

export interface EventRelay {
  /** Runs one look: leases what is due, sends it, settles it. Answers how many were sent. */
  runOnce(): Promise<number>;
  /** Stops looking; answers once the sends under way have settled. */
  stop(): Promise<void>;
}

/** Starts the relay loop; `start: false` only builds it (tests drive `runOnce`). */
export function startEventRelay(settings: RelaySettings, start = true): EventRelay {
  const {
    db,
    credentialsKeys,
    pollMs = 200,
    batch = 20,
    timeoutMs = 10_000,
    // Past a send's timeout and its settling: a lease that runs out means its relay died.
    leaseMs = 2 * timeoutMs + 5_000,
    retryDelaysMs = STANDARD_RETRY_DELAYS_MS,
    disableAfterMs = 3 * DAY_MS,
    meter,
    onError = () => {},
  } = settings;
  const deliveries = meter?.createCounter(
    'rose_event_deliveries',
    'deliveries',
    'Event delivery attempts, by outcome (delivered, failed).',
  );
  const lag = meter?.createHistogram(
    'rose_event_delivery_lag',
    'int',
    'ms',
    'From an event written to its delivery.',
  );

  const runOnce = async () => {
    const due = await leaseDue(db, batch, leaseMs);
    const sent = await Promise.allSettled(
      due.map(async (delivery) => {
        const outcome = await send(delivery, credentialsKeys, timeoutMs);
        const delivered = await settle(db, delivery, outcome, retryDelaysMs, disableAfterMs);
        deliveries?.add(1, { outcome: delivered ? 'delivered' : 'failed', type: delivery.type });
        if (delivered) lag?.record(Date.now() - delivery.event_created_at.getTime());
      }),
    );
    for (const result of sent) if (result.status === 'rejected') onError(result.reason);
    return due.length;
  };

  let stopping = false;
  let wake: (() => void) | undefined;
  const loop = async () => {
    while (!stopping) {
      let sent = 0;
      try {
        sent = await runOnce();
      } catch (error) {
        // PostgreSQL away, say: the leases run out, and the next look tries again.
        onError(error);
      }
      if (sent < batch && !stopping) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, pollMs);
        });
      }
    }
  };
  const running = start ? loop() : Promise.resolve();
  return {
    runOnce,
    stop: async () => {
      stopping = true;
      wake?.();
      await running;
    },
  };
}
