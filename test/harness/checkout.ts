import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { claimEntriesAndTickets, releaseClaims } from '../../activities/calendar/claims.ts';
import { createOrderFromCart } from '../../activities/orders/create-order.ts';
import {
  createPaymentActivities,
  type PaymentSettings,
} from '../../activities/payments/checkout-payments.ts';
import type { Database } from '../../db/client.ts';
import { storeSumupCredentials } from '../../db/queries/sumup-credentials.ts';
import { pagePaymentSettings } from '../../db/schema/index.ts';
import { Secret } from '../../db/secret.ts';
import { checkout } from '../../workflows/checkout.ts';
import {
  checkoutWorkflowId,
  hostedCheckoutUpdate,
  type CheckoutInput,
} from '../../workflows/checkout-messages.ts';
import type { Shopper } from '../../workflows/checkout-types.ts';
import { afterAll, beforeAll } from 'vitest';
import { createTestContext, testCredentialsKeys, type TestContext } from './context.ts';
import { recordHistories } from './histories.ts';
import { seedShop } from './seed.ts';
import { MERCHANT, startSumupFixture, type SumupFixture } from '../sumup/fixture.ts';

/** An order made from the shopper's cart, as a checkout's first step makes it. */
export async function orderFromCart(db: Database, shopper: Shopper, pageId: number | null) {
  const result = await createOrderFromCart(db, {
    idempotencyKey: randomUUID(),
    workflowId: `checkout-${randomUUID()}`,
    workflowRunId: 'test-run',
    shopper,
    scope: { pageId },
  });
  if (result.kind !== 'created') throw new Error(`no order: ${JSON.stringify(result)}`);
  return result.order;
}

/** A seeded shop whose page pays the emulator's merchant, refunding automatically if asked. */
export async function shopPayingEmulator(
  db: Database,
  options: { seats: number; autoRefund?: boolean },
) {
  const shop = await seedShop(db, { seats: options.seats });
  await storeSumupCredentials(db, testCredentialsKeys, shop.page.id, {
    merchantCode: MERCHANT.merchantCode,
    apiKey: new Secret(MERCHANT.apiKey),
  });
  if (options.autoRefund) {
    await db.insert(pagePaymentSettings).values({
      pageId: shop.page.id,
      checkoutReferencePrefix: 'hall',
      currency: 'GBP',
      autoRefund: true,
    });
  }
  return shop;
}

/** Activities' payment settings pointing at the emulator. */
export const emulatorPayments = (f: SumupFixture): PaymentSettings => ({
  sumupHost: f.emulator.url,
  sumupTimeoutMs: 2_000,
  publicBaseUrl: 'http://127.0.0.1:9',
  credentialsKeys: testCredentialsKeys,
});

/** What the storefront API does: start the checkout or attach to it, and get the hosted URL. */
export function startCheckout(ctx: TestContext, input: CheckoutInput) {
  return ctx.temporal.client.workflow.executeUpdateWithStart(hostedCheckoutUpdate, {
    startWorkflowOperation: new WithStartWorkflowOperation(checkout, {
      workflowId: checkoutWorkflowId(input.shopper, input.scope),
      taskQueue: ctx.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  });
}

/** The SumUp checkout id inside a hosted checkout URL (`…/pay/c-<id>`). */
export const sumupIdOf = (hostedUrl: string) => hostedUrl.split('/pay/c-')[1]!;

/**
 * How many times the workflow's history shows an activity of this name completed: as an
 * activity task, or as a local activity's marker (which names its type in plain JSON).
 */
export async function completedActivities(handle: WorkflowHandle, name: string): Promise<number> {
  const { events } = await handle.fetchHistory();
  const scheduled = new Set(
    (events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name)
      .map((e) => String(e.eventId)),
  );
  const remote = (events ?? []).filter((e) =>
    scheduled.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)),
  );
  const local = (events ?? []).filter((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.details?.data?.payloads?.[0]?.data;
    if (marker?.markerName !== 'core_local_activity' || !data || marker.failure) return false;
    return (
      (JSON.parse(Buffer.from(data).toString()) as { activity_type?: string }).activity_type ===
      name
    );
  });
  return remote.length + local.length;
}

/**
 * An order our side closed as expired while its SumUp checkout was still open, on a page
 * that refunds automatically: what a payment after the checkout gave up lands on. A ticket,
 * and with `mugs` a product line of that many.
 */
export async function expiredOrderStillOpenAtSumup(
  db: Database,
  payments: PaymentSettings,
  seats: number,
  { mugs = 0 }: { mugs?: number } = {},
) {
  const shop = await shopPayingEmulator(db, { seats, autoRefund: true });
  const shopper = { userId: `u-${randomUUID()}` };
  const [ticket] = await shop.addTickets(shopper.userId, 1);
  if (mugs > 0) await shop.addMug(shopper, mugs);
  const created = await createOrderFromCart(db, {
    idempotencyKey: randomUUID(),
    workflowId: 'checkout-that-expired',
    workflowRunId: randomUUID(),
    shopper,
    scope: { pageId: shop.page.id },
  });
  if (created.kind !== 'created') throw new Error('no order');
  const { orderId } = created.order;
  await claimEntriesAndTickets(db, orderId);
  const { hostedCheckoutUrl } = await createPaymentActivities(db, payments).createSumupCheckout({
    orderId,
    expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
    description: `Order ${orderId}`,
  });
  await releaseClaims(db, orderId, 'expired');
  return { shop, shopper, orderId, ticket: ticket!, sumupId: sumupIdOf(hostedCheckoutUrl) };
}

export interface EmulatorSuite {
  ctx: TestContext;
  f: SumupFixture;
  /** Payment settings pointing at the emulator. */
  payments: PaymentSettings;
}

/**
 * The setup of a test file that runs checkouts against the SumUp emulator: its own test
 * context and emulator, made before the file's tests and closed after them (its workflow
 * histories recorded first with `record`, for the replay test). `use` receives them.
 */
export function emulatorSuite(
  label: string,
  use: (suite: EmulatorSuite) => void,
  options: { record?: boolean } = {},
): void {
  let suite: Partial<EmulatorSuite> = {};
  beforeAll(async () => {
    const [ctx, f] = await Promise.all([createTestContext(label), startSumupFixture()]);
    suite = { ctx, f, payments: emulatorPayments(f) };
    use(suite as EmulatorSuite);
  });
  afterAll(async () => {
    if (options.record && suite.ctx) await recordHistories(suite.ctx, label);
    await suite.ctx?.close();
    await suite.f?.close();
  });
}
