import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { claimEntriesAndTickets, releaseClaims } from '../activities/calendar/claims.ts';
import { startEventRelay } from '../activities/events/relay.ts';
import { parseCredentialsKeys } from '../db/sealed.ts';
import { createOrderFromCart } from '../activities/orders/create-order.ts';
import {
  createPaymentActivities,
  type PaymentSettings,
} from '../activities/payments/checkout-payments.ts';
import {
  adminAudit,
  orderItems,
  orders,
  outboxEvents,
  refunds,
  tickets,
  ticketTypes,
} from '../db/schema/index.ts';
import { confirmPaidOrder } from '../activities/orders/confirm-paid-order.ts';
import type { checkout } from '../workflows/checkout.ts';
import {
  checkoutStatusQuery,
  sumupWebhookSignal,
  type CheckoutInput,
} from '../workflows/checkout-messages.ts';
import { reconcileLatePayment, reconcileWorkflowId } from '../workflows/reconcile-late-payment.ts';
import type { TestContext } from './harness/context.ts';
import { freePort } from './harness/free-port.ts';
import {
  emulatorSuite,
  orderFromCart,
  shopPayingEmulator,
  startCheckout,
  sumupIdOf,
} from './harness/checkout.ts';
import type { SumupFixture } from './sumup/fixture.ts';

let ctx: TestContext;
let f: SumupFixture;
let payments: PaymentSettings;
emulatorSuite('ops-cli', (suite) => ({ ctx, f, payments } = suite));

const db = () => ctx.database.db;
const CREDENTIALS_KEYS = `ops-1:${randomBytes(32).toString('base64')}`;
const root = fileURLToPath(new URL('..', import.meta.url));
// Long enough that within a test only a signal can make the checkout look at SumUp.
const POLL_MS = 10 * 60_000;
const FAST_REFUND_RETRY = { maximumAttempts: 3, initialIntervalMs: 100 };
const REFUNDS_ROUTE = 'POST /v1.0/merchants/:merchantCode/payments/:transactionId/refunds';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run ops -- …` as ops run it: a process of its own, talking to Temporal only. */
function ops(...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'ops/main.ts', ...args],
      {
        cwd: root,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: ctx.temporal.address,
          // For the events commands, which work on PostgreSQL.
          DATABASE_URL: ctx.databaseUrl,
          CREDENTIALS_KEYS: CREDENTIALS_KEYS,
          TEMPORAL_TASK_QUEUE: ctx.taskQueue,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number')
          return reject(new Error(`ops ${args.join(' ')} did not finish`, { cause: error }));
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** `orders refund` of one mug (850) of a paid order. */
const refundOneMug = (orderId: number, itemId: number) =>
  ops(
    'orders',
    'refund',
    '--order',
    String(orderId),
    '--item',
    `${itemId}:1`,
    '--reason',
    'chipped',
  );

/** Other test files number their orders from 1 too, on the same Temporal server. */
const onOurQueue = () => ['--task-queue', ctx.taskQueue];

/** The JSON lines a run printed. */
const lines = (output: string): unknown[] =>
  output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);

const succeeded = (run: CliRun) => {
  expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
  return lines(run.stdout);
};

/** Visibility is eventually consistent: wait until ops can find the order. */
async function untilFindable(orderId: number) {
  const query = `OrderId = "${orderId}" AND TaskQueue = "${ctx.taskQueue}"`;
  await expect
    .poll(async () => (await ctx.temporal.client.workflow.count(query)).count, { timeout: 10_000 })
    .toBeGreaterThan(0);
}

/** A shop paying the emulator's merchant, and a shopper with two of its tickets in the cart. */
async function shopperWithTickets(options: { autoRefund?: boolean } = {}) {
  const shop = await shopPayingEmulator(db(), { seats: 5, ...options });
  const shopper = { userId: `u-${randomUUID()}` };
  await shop.addTickets(shopper.userId, 2);
  const input: CheckoutInput = {
    shopper,
    scope: { pageId: shop.page.id },
    pollInitialMs: POLL_MS,
    refundRetry: FAST_REFUND_RETRY,
  };
  return { shop, input };
}

async function startedCheckout(input: CheckoutInput) {
  const view = await startCheckout(ctx, input);
  const handle: WorkflowHandle<typeof checkout> = ctx.temporal.client.workflow.getHandle(
    view.workflowId,
  );
  await untilFindable(view.orderId!);
  return { view, handle, orderId: String(view.orderId) };
}

/**
 * Inside a running worker: the shopper's checkout on the page, paid at the emulator and
 * confirmed. Answers the order, its SumUp checkout and its line of mugs.
 */
async function paidCheckout(shopper: { userId: string }, pageId: number) {
  const { view, handle } = await startedCheckout({ shopper, scope: { pageId } });
  const sumupId = sumupIdOf(view.hostedCheckoutUrl!);
  await f.control(`/checkouts/${sumupId}/pay`);
  await handle.signal(sumupWebhookSignal);
  await expect.poll(async () => (await handle.query(checkoutStatusQuery)).state).toBe('paid');
  const [mugs] = await db()
    .select()
    .from(orderItems)
    .where(and(eq(orderItems.orderId, view.orderId!), eq(orderItems.kind, 'product')));
  return { orderId: view.orderId!, sumupId, mugs: mugs! };
}

describe('npm run ops', () => {
  it('shows a checkout awaiting payment, and re-checks it so that a payment nobody announced is found at once', async () => {
    const { input } = await shopperWithTickets();
    await f.control('/webhooks/behaviour', { drop: true }, 'PUT');
    try {
      const result = await ctx.withWorker(async () => {
        const { view, handle, orderId } = await startedCheckout(input);

        const [status] = succeeded(await ops('status', '--order', orderId, ...onOurQueue()));
        expect(status).toMatchObject({
          workflowId: view.workflowId,
          orderId: view.orderId,
          state: 'awaiting_payment',
          hostedCheckoutUrl: view.hostedCheckoutUrl,
        });

        // No refund is due: marking one handled now would wave through a refund owed later.
        const early = await ops('refund-handled', '--order', orderId, ...onOurQueue());
        expect(early.code).toBe(1);
        expect(lines(early.stderr)).toEqual([
          expect.objectContaining({ error: 'wrong_state', checkoutStatus: 'awaiting_payment' }),
        ]);

        // Paid, but SumUp's webhook is lost: the workflow would only see it at its next
        // poll, ten minutes away.
        await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`);
        expect((await handle.query(checkoutStatusQuery)).state).toBe('awaiting_payment');

        expect(succeeded(await ops('recheck', '--order', orderId, ...onOurQueue()))).toEqual([
          {
            signalled: 'recheckNow',
            workflowId: view.workflowId,
            runId: expect.any(String),
            workflowType: 'checkout',
            orderId,
            checkoutStatus: 'awaiting_payment',
          },
        ]);
        return handle.result();
      }, payments);
      expect(result.state).toBe('paid');
    } finally {
      await f.control('/webhooks/behaviour', {}, 'PUT');
    }
  });

  it('cancels a checkout, by order or by workflow id, and refuses once it has closed', async () => {
    const { input } = await shopperWithTickets();
    await ctx.withWorker(async () => {
      const { view, handle, orderId } = await startedCheckout(input);

      expect(succeeded(await ops('cancel', '--order', orderId, ...onOurQueue()))).toEqual([
        expect.objectContaining({ signalled: 'cancelCheckout', workflowId: view.workflowId }),
      ]);
      expect((await handle.result()).state).toBe('cancelled');

      for (const target of [
        ['--workflow', view.workflowId],
        ['--order', orderId],
      ]) {
        const again = await ops('cancel', ...target, ...onOurQueue());
        expect(again.code).toBe(1);
        expect(lines(again.stderr)).toEqual([
          expect.objectContaining({ error: 'workflow_closed', workflowId: view.workflowId }),
        ]);
      }
    }, payments);
  });

  it('lists the checkouts owing a refund, and ends one when ops mark its refund handled', async () => {
    const { shop, input } = await shopperWithTickets({ autoRefund: true });
    await f.control('/faults', { kind: 'server-error', route: REFUNDS_ROUTE });
    try {
      const result = await ctx.withWorker(async () => {
        const { view, handle, orderId } = await startedCheckout(input);
        // The organiser cuts the event to one seat while the shopper pays: one ticket is
        // owed back, and SumUp keeps refusing the refund.
        await db()
          .update(ticketTypes)
          .set({ capacity: 1 })
          .where(eq(ticketTypes.id, shop.standing.id));
        await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`);
        await handle.signal(sumupWebhookSignal);

        await expect
          .poll(
            async () => succeeded(await ops('list', '--status', 'refund_due', ...onOurQueue())),
            { timeout: 20_000 },
          )
          .toEqual([
            expect.objectContaining({
              workflowId: view.workflowId,
              workflowType: 'checkout',
              executionStatus: 'RUNNING',
              orderId,
              checkoutStatus: 'refund_due',
              taskQueue: ctx.taskQueue,
            }),
          ]);
        expect(succeeded(await ops('refund-handled', '--order', orderId, ...onOurQueue()))).toEqual(
          [expect.objectContaining({ signalled: 'refundHandled', orderId })],
        );
        return handle.result();
      }, payments);
      expect(result.state).toBe('refunded');
    } finally {
      await f.control('/faults', undefined, 'DELETE');
    }
  });

  it('marks the refund of a late payment handled on its reconciliation, which takes no cancel', async () => {
    const { orderId } = await latePaymentForASeatGoneElsewhere();
    await f.control('/faults', { kind: 'server-error', route: REFUNDS_ROUTE });
    try {
      const result = await ctx.withWorker(async () => {
        const handle = await ctx.temporal.client.workflow.start(reconcileLatePayment, {
          workflowId: reconcileWorkflowId(orderId),
          taskQueue: ctx.taskQueue,
          args: [{ orderId, refundRetry: FAST_REFUND_RETRY }],
        });
        await expect
          .poll(async () => (await handle.query(checkoutStatusQuery)).state, { timeout: 15_000 })
          .toBe('refund_due');
        await untilFindable(orderId);

        const cancel = await ops('cancel', '--order', String(orderId), ...onOurQueue());
        expect(cancel.code).toBe(1);
        expect(lines(cancel.stderr)).toEqual([
          expect.objectContaining({ error: 'signal_not_accepted', workflowId: handle.workflowId }),
        ]);
        expect(
          succeeded(await ops('refund-handled', '--order', String(orderId), ...onOurQueue())),
        ).toEqual([
          expect.objectContaining({
            signalled: 'refundHandled',
            workflowId: `reconcile:order:${orderId}`,
            workflowType: 'reconcileLatePayment',
          }),
        ]);
        return handle.result();
      }, payments);
      expect(result.state).toBe('refunded');
    } finally {
      await f.control('/faults', undefined, 'DELETE');
    }
  });

  it('adds, lists, rotates and removes event subscribers, and shows and replays what failed', async () => {
    // Nothing listens there.
    const url = `http://127.0.0.1:${await freePort()}/events/${randomUUID()}`;
    const [added] = succeeded(await ops('subscribers', 'add', '--url', url)) as {
      id: number;
      secret: string;
    }[];
    expect(added!.secret).toMatch(/^whsec_/);
    // Once per URL; only events we send.
    const again = await ops('subscribers', 'add', '--url', url);
    expect([again.code, (lines(again.stderr)[0] as { error: string }).error]).toEqual([
      1,
      'refused',
    ]);
    const unknown = await ops('subscribers', 'add', '--url', `${url}/x`, '--events', 'order.eaten');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown event types: order.eaten');

    const [rotated] = succeeded(await ops('subscribers', 'rotate', '--id', String(added!.id))) as {
      secret: string;
    }[];
    expect(rotated!.secret).not.toBe(added!.secret);
    const listed = await ops('subscribers', 'list');
    expect(lines(listed.stdout)).toContainEqual(
      expect.objectContaining({
        id: added!.id,
        url,
        state: 'active',
        previousSecretUntil: expect.any(String),
      }),
    );
    // A list shows no secret, neither one.
    expect(listed.stdout).not.toContain('whsec_');

    // An event for it, and one attempt, refused.
    const shop = await shopPayingEmulator(db(), { seats: 5 });
    const shopper = { userId: `u-${randomUUID()}` };
    await shop.addMug(shopper, 1);
    const order = await orderFromCart(db(), shopper, shop.page.id);
    const relay = startEventRelay(
      { db: db(), credentialsKeys: parseCredentialsKeys(CREDENTIALS_KEYS), timeoutMs: 1000 },
      false,
    );
    expect(await relay.runOnce()).toBeGreaterThan(0);
    const failed = succeeded(await ops('events', 'failed')) as {
      eventId: number;
      orderId: number;
      attempts: number;
      lastError: string;
      subscriber: { id: number };
    }[];
    const ours = failed.find((d) => d.subscriber.id === added!.id)!;
    expect(ours).toMatchObject({
      orderId: order.orderId,
      attempts: 1,
      type: 'order.created',
    });
    expect(ours.lastError).toContain('ECONNREFUSED');
    expect(succeeded(await ops('events', 'replay', '--id', String(ours.eventId)))).toEqual([
      { replayed: 1 },
    ]);
    expect(succeeded(await ops('subscribers', 'remove', '--id', String(added!.id)))).toEqual([
      { id: added!.id, removed: true },
    ]);
    const bad = await Promise.all([
      ops('events', 'replay'),
      ops('events', 'replay', '--since', 'yesterday'),
      ops('subscribers', 'rotate'),
    ]);
    expect(bad.map((run) => run.code)).toEqual([2, 2, 2]);
  });

  it('checks a ticket in as the door does, on the admin audit as ops', async () => {
    const { shop, input } = await shopperWithTickets();
    const order = await orderFromCart(db(), input.shopper, shop.page.id);
    await claimEntriesAndTickets(db(), order.orderId);
    await confirmPaidOrder(db(), { orderId: order.orderId, transactionId: `tx-${randomUUID()}` });
    const [ticket] = await db().select().from(tickets).where(eq(tickets.orderId, order.orderId));
    const [first] = succeeded(await ops('tickets', 'check-in', '--code', ticket!.code)) as {
      alreadyCheckedIn: boolean;
    }[];
    expect(first).toMatchObject({ ticketId: ticket!.id, alreadyCheckedIn: false });
    const wrongDoor = await ops('tickets', 'check-in', '--code', ticket!.code, '--entry', '999999');
    expect([wrongDoor.code, (lines(wrongDoor.stderr)[0] as { error: string }).error]).toEqual([
      1,
      'ticket_other_entry',
    ]);
    const audited = await db()
      .select()
      .from(adminAudit)
      .where(eq(adminAudit.action, 'ops tickets check-in'));
    expect(
      audited.filter((a) => a.request.code === ticket!.code).map((a) => [a.actor, a.status]),
    ).toEqual([
      ['ops', 200],
      ['ops', 409],
    ]);
  });

  it('refunds part of a paid order and accepts its booking, as the admin API does, on the audit as ops', async () => {
    const shop = await shopPayingEmulator(db(), { seats: 5 });
    const shopper = { userId: `u-${randomUUID()}` };
    await shop.addMug(shopper, 2);
    const booking = await shop.addBooking(shopper);
    await ctx.withWorker(async () => {
      const { orderId, sumupId, mugs } = await paidCheckout(shopper, shop.page.id);
      const [refunded] = succeeded(await refundOneMug(orderId, mugs.id));
      expect(refunded).toMatchObject({ kind: 'recorded', amountMinor: 850, state: 'due' });
      await expect
        .poll(() => f.emulator.store.find(sumupId)!.transactions[0]!.refundedMinor, {
          timeout: 15_000,
        })
        .toBe(850);
      const tooMuch = await ops(
        'orders',
        'refund',
        '--order',
        String(orderId),
        '--amount',
        '999999',
        '--reason',
        'x',
      );
      expect([tooMuch.code, (lines(tooMuch.stderr)[0] as { error: string }).error]).toEqual([
        1,
        'refund_exceeds_paid',
      ]);
      expect(succeeded(await ops('bookings', 'accept', '--entry', String(booking.id)))).toEqual([
        { entryId: booking.id, state: 'confirmed' },
      ]);
    }, payments);
    const audited = await db().select().from(adminAudit).where(eq(adminAudit.actor, 'ops'));
    expect(audited.map((a) => [a.action, a.status])).toEqual(
      expect.arrayContaining([
        ['ops orders refund', 202],
        ['ops orders refund', 409],
        ['ops bookings accept', 200],
      ]),
    );
  });

  it('prints the key of a refund: retried with it, the same refund and nothing more; another command with it is refused', async () => {
    const shop = await shopPayingEmulator(db(), { seats: 5 });
    const shopper = { userId: `u-${randomUUID()}` };
    await shop.addMug(shopper, 3);
    await ctx.withWorker(async () => {
      const { orderId, sumupId, mugs } = await paidCheckout(shopper, shop.page.id);
      const [first] = succeeded(await refundOneMug(orderId, mugs.id)) as {
        refundId: number;
        idempotencyKey: string;
      }[];
      expect(first).toMatchObject({ kind: 'recorded', amountMinor: 850 });
      const { idempotencyKey: key } = first!;
      expect(key).toMatch(/^[0-9a-f-]{36}$/);
      // Each run is a new key: the same command without one is another refund.
      const withKey = (...args: string[]) => ops(...args, '--idempotency-key', key);

      // The same command again with its key: the same refund, said to be a replay.
      const retried = succeeded(
        await withKey(
          'orders',
          'refund',
          '--order',
          String(orderId),
          '--item',
          `${mugs.id}:1`,
          '--reason',
          'chipped',
        ),
      );
      expect(retried).toEqual([{ ...first, replayed: true }]);

      // Another command with it: refused, exit 1, and nothing done.
      for (const other of [
        [
          'orders',
          'refund',
          '--order',
          String(orderId),
          '--item',
          `${mugs.id}:2`,
          '--reason',
          'chipped',
        ],
        ['orders', 'refund', '--order', String(orderId), '--amount', '100', '--reason', 'chipped'],
        ['orders', 'cancel', '--order', String(orderId), '--reason', 'chipped'],
      ]) {
        const refused = await withKey(...other);
        expect([refused.code, refused.stdout, lines(refused.stderr)], other.join(' ')).toEqual([
          1,
          '',
          [expect.objectContaining({ error: 'idempotency_key_reused', idempotencyKey: key })],
        ]);
      }
      await expect
        .poll(
          () => f.emulator.store.find(sumupId)!.transactions[0]!.refunds.map((r) => r.amountMinor),
          {
            timeout: 15_000,
          },
        )
        .toEqual([850]);
      const rows = await db().select().from(refunds).where(eq(refunds.orderId, orderId));
      expect(rows.map((r) => [r.id, r.amountMinor, r.requestedBy])).toEqual([
        [first!.refundId, 850, 'ops'],
      ]);
      const audited = (await db().select().from(adminAudit).where(eq(adminAudit.actor, 'ops')))
        .filter((a) => a.request.orderId === orderId)
        .map((a) => [a.action, a.status, a.request.replayed ?? false]);
      expect(audited).toEqual([
        ['ops orders refund', 202, false],
        ['ops orders refund', 202, true],
        ['ops orders refund', 422, false],
        ['ops orders refund', 422, false],
        ['ops orders cancel', 422, false],
      ]);
    }, payments);
    // A key that is not one, or on a command that refunds nothing, is a command line it does not understand.
    for (const args of [
      ['orders', 'cancel', '--order', '1', '--reason', 'x', '--idempotency-key', 'not one'],
      ['bookings', 'accept', '--entry', '1', '--idempotency-key', randomUUID()],
    ]) {
      expect((await ops(...args)).code, args.join(' ')).toBe(2);
    }
  });

  it("lists an admin's refund SumUp refused for good, and marks it handled by hand", async () => {
    const shop = await shopPayingEmulator(db(), { seats: 5 });
    const shopper = { userId: `u-${randomUUID()}` };
    await shop.addMug(shopper, 2);
    await ctx.withWorker(async () => {
      const { orderId, mugs } = await paidCheckout(shopper, shop.page.id);
      // SumUp refuses the refund for good: the merchant's key no longer refunds.
      await f.control('/faults', { kind: 'unauthorized', route: REFUNDS_ROUTE });
      try {
        const [recorded] = succeeded(await refundOneMug(orderId, mugs.id));
        const { refundId } = recorded as { refundId: number };
        const status = async () =>
          (await db().select().from(refunds).where(eq(refunds.id, refundId)))[0]!.status;
        await expect.poll(status, { timeout: 15_000 }).toBe('failed');

        const owed = succeeded(await ops('refunds', 'owed'));
        expect(owed).toContainEqual(
          expect.objectContaining({
            refundId,
            orderId,
            status: 'failed',
            amountMinor: 850,
            requestedBy: 'ops',
            lastError: expect.stringMatching(/401|unauthori[sz]ed/i),
            settle: `refunds handled --id ${refundId}`,
          }),
        );
        // Paid back by hand: handled, and the order refunded; saying it again changes nothing.
        for (let i = 0; i < 2; i++) {
          expect(succeeded(await ops('refunds', 'handled', '--id', String(refundId)))).toEqual([
            { kind: 'handled', refundId, orderId },
          ]);
        }
        expect(await status()).toBe('handled');
        const [order] = await db().select().from(orders).where(eq(orders.id, orderId));
        expect(order!.refundState).toBe('refunded');
        const refunded = await db()
          .select()
          .from(outboxEvents)
          .where(and(eq(outboxEvents.orderId, orderId), eq(outboxEvents.type, 'order.refunded')));
        expect(refunded.map((e) => (e.payload as { refund: { by: string } }).refund.by)).toEqual([
          'ops',
        ]);
        expect(succeeded(await ops('refunds', 'owed'))).not.toContainEqual(
          expect.objectContaining({ refundId }),
        );
        const unknown = await ops('refunds', 'handled', '--id', '2147483647');
        expect([unknown.code, (lines(unknown.stderr)[0] as { error: string }).error]).toEqual([
          1,
          'refund_not_found',
        ]);
      } finally {
        await f.control('/faults', undefined, 'DELETE');
      }
    }, payments);
    const audited = await db()
      .select()
      .from(adminAudit)
      .where(eq(adminAudit.action, 'ops refunds handled'));
    expect(audited.map((a) => a.status).sort()).toEqual([200, 200, 404]);
  });

  it('fails with exit 1 for an order no workflow carries', async () => {
    for (const command of ['status', 'recheck', 'refund-handled']) {
      const run = await ops(command, '--order', '2147483647', ...onOurQueue());
      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toEqual([
        expect.objectContaining({ error: 'order_not_found', orderId: '2147483647' }),
      ]);
    }
  });

  it('prints its usage: on --help, and with exit 2 for a command line it does not understand', async () => {
    const help = await ops('--help');
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('npm run ops --') });

    const wrong = [
      [],
      ['refund'],
      ['cancel'],
      ['recheck', '--order', 'abc'],
      ['status', '--order', '7', '--workflow', 'checkout:global:user:1'],
      ['list', '--status', 'refund-due'],
      ['list'],
      ['cancel', '--order', '7', '--force'],
    ];
    const runs = await Promise.all(wrong.map((args) => ops(...args)));
    for (const [i, run] of runs.entries()) {
      expect({ args: wrong[i], code: run.code, stdout: run.stdout }).toEqual({
        args: wrong[i],
        code: 2,
        stdout: '',
      });
      expect(run.stderr).toContain('Usage: npm run ops --');
    }
  });
});

/**
 * An order our side closed as expired while its SumUp checkout stayed open, then paid by
 * the shopper after its one seat went to someone else: its reconciliation owes a refund.
 */
async function latePaymentForASeatGoneElsewhere() {
  const shop = await shopPayingEmulator(db(), { seats: 1, autoRefund: true });
  const order = async (userId: string, workflowId: string) => {
    await shop.addTickets(userId, 1);
    const created = await createOrderFromCart(db(), {
      idempotencyKey: randomUUID(),
      workflowId,
      workflowRunId: 'test-run',
      shopper: { userId },
      scope: { pageId: shop.page.id },
    });
    if (created.kind !== 'created') throw new Error('no order');
    return created.order.orderId;
  };

  const orderId = await order(`u-${randomUUID()}`, 'checkout-that-expired');
  await claimEntriesAndTickets(db(), orderId);
  const { hostedCheckoutUrl } = await createPaymentActivities(db(), payments).createSumupCheckout({
    orderId,
    expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
    description: `Order ${orderId}`,
  });
  await releaseClaims(db(), orderId, 'expired');
  expect(await claimEntriesAndTickets(db(), await order(`u-${randomUUID()}`, 'other'))).toEqual({
    claimed: true,
  });
  await f.control(`/checkouts/${sumupIdOf(hostedCheckoutUrl)}/pay`);
  return { orderId };
}

describe('npm run ops -- generations', () => {
  it('counts the running checkouts per generation, by the marker each records', async () => {
    const { input } = await shopperWithTickets();
    const counts = await ctx.withWorker(async () => {
      const { handle } = await startedCheckout(input);
      const running = async () =>
        (succeeded(await ops('generations', ...onOurQueue())) as { running: number }[]).map(
          (g) => g.running,
        );
      // Visibility is eventually consistent: the marker's search attribute comes with it.
      await expect.poll(running, { timeout: 10_000 }).toEqual([0, 0, 0, 0, 1]);
      await handle.signal('cancelCheckout');
      await handle.result();
      await expect.poll(running, { timeout: 10_000 }).toEqual([0, 0, 0, 0, 0]);
      return succeeded(await ops('generations', ...onOurQueue()));
    }, payments);
    expect(counts[4]).toMatchObject({
      workflowType: 'checkout',
      generation: 5,
      patch: 'one-step-open-and-confirm',
      query: expect.stringContaining('TemporalChangeVersion = "one-step-open-and-confirm"'),
    });
    const refused = await ops('generations', '--order', '1');
    expect(refused.code).toBe(2);
  });
});
