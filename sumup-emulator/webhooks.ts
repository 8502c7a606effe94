import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Checkout } from './store.ts';

/** SumUp retries a failed delivery after 1 min, 5 min, 20 min and 2 h. */
export const SUMUP_RETRY_SCHEDULE_MS = [60_000, 300_000, 1_200_000, 7_200_000];

export const webhookBehaviourInput = z.object({
  /** Extra copies sent at once, as SumUp's near-simultaneous duplicates. */
  duplicates: z.number().int().min(0).max(100).default(0),
  /** Wait before the first attempt. */
  delayMs: z.number().int().min(0).default(0),
  /** Record the delivery, send nothing. */
  drop: z.boolean().default(false),
  /** Keep deliveries until released, then send them in the order asked for. */
  hold: z.boolean().default(false),
  /** SumUp does not document whether expiry notifies: off unless asked for. */
  onExpiry: z.boolean().default(false),
  /** Applies to this checkout reference only; otherwise to all. */
  checkoutReference: z.string().optional(),
});
export type WebhookBehaviour = Omit<z.infer<typeof webhookBehaviourInput>, 'checkoutReference'>;

export interface DeliveryRecord {
  id: string;
  checkoutId: string;
  checkoutReference: string;
  /** The checkout's status when the change happened (not sent: SumUp sends only the id). */
  status: Checkout['status'];
  url: string;
  attempt: number;
  outcome: 'delivered' | 'failed' | 'dropped' | 'held' | 'gave-up';
  responseStatus?: number;
  error?: string;
  at: string;
}

interface Pending {
  checkout: Checkout;
  status: Checkout['status'];
}

export interface WebhookOptions {
  /** Divides SumUp's retry schedule: 60 turns an hour into a minute. */
  compression: number;
  requestTimeoutMs?: number;
}

/** Delivers `{"event_type":"CHECKOUT_STATUS_CHANGED","id":…}` to each checkout's return_url. */
export class Webhooks {
  readonly log: DeliveryRecord[] = [];
  private defaults: WebhookBehaviour = webhookBehaviourInput.parse({});
  private readonly perReference = new Map<string, WebhookBehaviour>();
  private held: Pending[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: WebhookOptions) {}

  configure(input: z.infer<typeof webhookBehaviourInput>): void {
    const { checkoutReference, ...behaviour } = input;
    if (checkoutReference) this.perReference.set(checkoutReference, behaviour);
    else this.defaults = behaviour;
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.log.length = 0;
    this.held = [];
    this.perReference.clear();
    this.defaults = webhookBehaviourInput.parse({});
  }

  /** Called on every status change. */
  statusChanged(checkout: Checkout): void {
    if (!checkout.returnUrl) return;
    const behaviour = this.perReference.get(checkout.reference) ?? this.defaults;
    if (checkout.status === 'EXPIRED' && !behaviour.onExpiry) return;
    const pending = { checkout, status: checkout.status };
    if (behaviour.drop) return void this.record(pending, 0, 'dropped');
    if (behaviour.hold) {
      this.held.push(pending);
      return void this.record(pending, 0, 'held');
    }
    for (let copy = 0; copy <= behaviour.duplicates; copy++) {
      this.schedule(() => this.attempt(pending, 1), behaviour.delayMs);
    }
  }

  /** Sends what was held, oldest first or newest first. */
  release(order: 'fifo' | 'reverse'): number {
    const released = order === 'reverse' ? [...this.held].reverse() : this.held;
    this.held = [];
    // One after another, so that the order asked for is the order they arrive in.
    this.schedule(async () => {
      for (const pending of released) await this.attempt(pending, 1);
    }, 0);
    return released.length;
  }

  /** Resolves once nothing is in flight (for an orderly shutdown). */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(run: () => Promise<void>, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const sending = run().finally(() => this.inFlight.delete(sending));
      this.inFlight.add(sending);
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(pending: Pending, attempt: number): Promise<void> {
    const url = pending.checkout.returnUrl!;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event_type: 'CHECKOUT_STATUS_CHANGED', id: pending.checkout.id }),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      if (response.ok) return void this.record(pending, attempt, 'delivered', response.status);
      this.retry(pending, attempt, this.record(pending, attempt, 'failed', response.status));
    } catch (error) {
      const record = this.record(pending, attempt, 'failed', undefined, (error as Error).message);
      this.retry(pending, attempt, record);
    }
  }

  private retry(pending: Pending, attempt: number, record: DeliveryRecord): void {
    const wait = SUMUP_RETRY_SCHEDULE_MS[attempt - 1];
    if (wait === undefined) {
      record.outcome = 'gave-up';
      return;
    }
    this.schedule(() => this.attempt(pending, attempt + 1), wait / this.options.compression);
  }

  private record(
    pending: Pending,
    attempt: number,
    outcome: DeliveryRecord['outcome'],
    responseStatus?: number,
    error?: string,
  ): DeliveryRecord {
    const record: DeliveryRecord = {
      id: randomUUID(),
      checkoutId: pending.checkout.id,
      checkoutReference: pending.checkout.reference,
      status: pending.status,
      url: pending.checkout.returnUrl!,
      attempt,
      outcome,
      ...(responseStatus !== undefined ? { responseStatus } : {}),
      ...(error !== undefined ? { error } : {}),
      at: new Date().toISOString(),
    };
    this.log.push(record);
    return record;
  }
}
