import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  SumupGateway,
  SumupGateways,
  type HostedCheckoutRequest,
} from '../activities/payments/sumup-gateway.ts';
import { Secret } from '../db/secret.ts';
import { MERCHANT, OTHER_MERCHANT, startSumupFixture, type SumupFixture } from './sumup/fixture.ts';
import { specAvailable } from './sumup/spec.ts';

let f: SumupFixture;
beforeAll(async () => {
  f = await startSumupFixture();
});
afterAll(() => f?.close());
beforeEach(async () => {
  await f.control('/reset');
});

const TIMEOUT_MS = 400;
const gateway = (account = MERCHANT, merchantCode = account.merchantCode, host = f.emulator.url) =>
  new SumupGateway(
    { apiKey: new Secret(account.apiKey), merchantCode: new Secret(merchantCode) },
    { host, timeoutMs: TIMEOUT_MS },
  );

const order = (overrides: Partial<HostedCheckoutRequest> = {}): HostedCheckoutRequest => ({
  reference: `rose-${randomUUID()}`,
  amountMinor: 2450,
  currency: 'GBP',
  description: 'Order 17 at The Hall',
  webhookUrl: f.receiver.url,
  returnPageUrl: 'http://127.0.0.1:9/checkout/return/abc',
  validUntil: new Date(Date.now() + 30 * 60_000),
  ...overrides,
});

/** How many SumUp checkouts exist under a reference, asked of SumUp itself. */
const checkoutsFor = async (reference: string) =>
  (await f.sdk().checkouts.list({ checkout_reference: reference })).length;

/** The ApplicationFailure a gateway call threw. */
async function failureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(ApplicationFailure);
    const failure = error as ApplicationFailure;
    // Whatever went wrong, no credential is in what Temporal would record.
    const recorded = JSON.stringify({ message: failure.message, details: failure.details });
    for (const secret of [MERCHANT.apiKey, OTHER_MERCHANT.apiKey, MERCHANT.merchantCode]) {
      expect(recorded).not.toContain(secret);
    }
    return failure;
  }
  throw new Error('the call succeeded');
}

describe('each operation', () => {
  it('creates, reads, finds, deactivates and refunds', async () => {
    const g = gateway();
    const request = order();
    const created = await g.createHostedCheckout(request);
    expect(created).toMatchObject({
      reference: request.reference,
      status: 'PENDING',
      amountMinor: 2450,
      currency: 'GBP',
    });
    expect(created.hostedCheckoutUrl).toBe(`${f.emulator.url}/pay/c-${created.id}`);
    expect(await g.getCheckout(created.id)).toEqual(created);
    expect(await g.findCheckoutByReference(request.reference)).toEqual(created);
    expect(await g.findCheckoutByReference('rose-unknown')).toBeUndefined();

    await f.control(`/checkouts/${created.id}/pay`);
    const paid = await g.getCheckout(created.id);
    expect(paid).toMatchObject({
      status: 'PAID',
      transactionId: expect.any(String),
      transactionCode: expect.any(String),
    });
    // A paid checkout cannot be deactivated: the answer is its paid state.
    expect(await g.deactivateCheckout(created.id)).toEqual(paid);

    await g.refund(paid.transactionId!, 'GBP', 450);
    await g.refund(paid.transactionId!, 'GBP');
    const read = await f.sdk().checkouts.get(created.id);
    expect(read.transactions?.[0]?.status).toBe('REFUNDED');
  });

  it('deactivates an open checkout to EXPIRED', async () => {
    const created = await gateway().createHostedCheckout(order());
    expect(await gateway().deactivateCheckout(created.id)).toMatchObject({
      id: created.id,
      status: 'EXPIRED',
    });
  });
});

describe('one order never gets two SumUp checkouts', () => {
  it('finds the checkout when SumUp created it but answered 5xx', async () => {
    const request = order();
    await f.control('/faults', {
      kind: 'created-then-error',
      route: 'POST /v0.1/checkouts',
      times: 1,
    });
    const created = await gateway().createHostedCheckout(request);
    expect(created.reference).toBe(request.reference);
    expect(await checkoutsFor(request.reference)).toBe(1);
  });

  it('answers a repeated create with the existing checkout', async () => {
    const request = order();
    const first = await gateway().createHostedCheckout(request);
    expect(await gateway().createHostedCheckout(request)).toEqual(first);
    expect(await checkoutsFor(request.reference)).toBe(1);
  });

  it('refuses a reference already used for a different amount', async () => {
    const request = order();
    await gateway().createHostedCheckout(request);
    const failure = await failureOf(
      gateway().createHostedCheckout({ ...request, amountMinor: 999 }),
    );
    expect([failure.type, failure.nonRetryable]).toEqual(['SumupConflict', true]);
  });

  it('recovers from an answer lost to a timeout on the retry', async () => {
    const request = order();
    await f.control('/faults', {
      kind: 'latency',
      delayMs: TIMEOUT_MS * 3,
      route: 'POST /v0.1/checkouts',
      times: 1,
    });
    // The first attempt gives up before SumUp has made the checkout: Temporal would retry.
    const lost = await failureOf(gateway().createHostedCheckout(request));
    expect([lost.type, lost.nonRetryable]).toEqual(['SumupUnavailable', false]);
    await expect.poll(() => checkoutsFor(request.reference), { timeout: 5_000 }).toBe(1);
    const retried = await gateway().createHostedCheckout(request);
    expect(retried.reference).toBe(request.reference);
    expect(await checkoutsFor(request.reference)).toBe(1);
  });

  it('creates on the retry after a connection reset', async () => {
    const request = order();
    await f.control('/faults', { kind: 'reset', route: 'POST /v0.1/checkouts', times: 1 });
    const reset = await failureOf(gateway().createHostedCheckout(request));
    expect([reset.type, reset.nonRetryable]).toEqual(['SumupUnavailable', false]);
    expect(await checkoutsFor(request.reference)).toBe(0);
    await gateway().createHostedCheckout(request);
    expect(await checkoutsFor(request.reference)).toBe(1);
  });
});

describe('errors are classified for Temporal', () => {
  it.each([
    ['a 5xx with an HTML body', { kind: 'server-error', status: 503 }, { status: 503 }],
    [
      'a 429',
      { kind: 'rate-limit', retryAfterSeconds: 7 },
      { status: 429, errorCode: 'Too Many Requests' },
    ],
  ])('retries %s', async (_what, fault, details) => {
    const created = await gateway().createHostedCheckout(order());
    await f.control('/faults', { ...fault, route: 'GET /v0.1/checkouts/:id', times: 1 });
    const failure = await failureOf(gateway().getCheckout(created.id));
    expect([failure.type, failure.nonRetryable, failure.details]).toEqual([
      'SumupUnavailable',
      false,
      [details],
    ]);
    if (details.status === 429) expect(failure.nextRetryDelay).toBe(7_000);
    // The fault was for one request: the next attempt goes through.
    await expect(gateway().getCheckout(created.id)).resolves.toMatchObject({ id: created.id });
  });

  it('retries timeouts and refused connections', async () => {
    const created = await gateway().createHostedCheckout(order());
    await f.control('/faults', {
      kind: 'latency',
      delayMs: TIMEOUT_MS * 3,
      route: 'GET /v0.1/checkouts/:id',
      times: 1,
    });
    expect((await failureOf(gateway().getCheckout(created.id))).nonRetryable).toBe(false);
    const nowhere = gateway(MERCHANT, MERCHANT.merchantCode, 'http://127.0.0.1:9');
    const refused = await failureOf(nowhere.getCheckout(created.id));
    expect([refused.type, refused.nonRetryable]).toEqual(['SumupUnavailable', false]);
  });

  it("does not retry what cannot succeed, and keeps SumUp's code", async () => {
    const cases: [() => Promise<unknown>, string, number, string | undefined][] = [
      [
        () => gateway().createHostedCheckout(order({ currency: 'XYZ' })),
        'SumupValidationError',
        400,
        'INVALID',
      ],
      [
        () => gateway({ ...MERCHANT, apiKey: 'sup_sk_revoked_000000' }).getCheckout(randomUUID()),
        'SumupCredentialsError',
        401,
        'Unauthorized',
      ],
      [
        () => gateway(MERCHANT, OTHER_MERCHANT.merchantCode).createHostedCheckout(order()),
        'SumupCredentialsError',
        403,
        'FORBIDDEN',
      ],
      [() => gateway().getCheckout(randomUUID()), 'SumupNotFound', 404, 'NOT_FOUND'],
    ];
    for (const [call, type, status, errorCode] of cases) {
      const failure = await failureOf(call());
      expect([failure.type, failure.nonRetryable, failure.details]).toEqual([
        type,
        true,
        [{ status, errorCode }],
      ]);
    }
  });

  it('does not retry refunds SumUp refuses as conflicts', async () => {
    const created = await gateway().createHostedCheckout(order({ amountMinor: 1000 }));
    await f.control(`/checkouts/${created.id}/pay`);
    const { transactionId } = await gateway().getCheckout(created.id);
    const tooMuch = await failureOf(gateway().refund(transactionId!, 'GBP', 1001));
    expect([tooMuch.type, tooMuch.nonRetryable, tooMuch.details]).toEqual([
      'SumupConflict',
      true,
      [{ status: 422, errorCode: 'Unprocessable Entity' }],
    ]);
    await gateway().refund(transactionId!, 'GBP');
    const again = await failureOf(gateway().refund(transactionId!, 'GBP'));
    expect([again.type, again.nonRetryable]).toEqual(['SumupConflict', true]);
  });
});

describe.runIf(specAvailable)("SumUp's published spec", () => {
  it('allows every answer the emulator gave the gateway', () => {
    expect(f.spec!.violations).toEqual([]);
    expect(f.spec!.checked).toBeGreaterThan(20);
  });
});

describe('SumUp clients', () => {
  it('are one per merchant, reused from call to call, and new once the key changes', async () => {
    const gateways = new SumupGateways(f.emulator.url);
    const hall = (apiKey: string) => ({
      merchantCode: new Secret(MERCHANT.merchantCode),
      apiKey: new Secret(apiKey),
    });
    const first = gateways.for(hall(MERCHANT.apiKey), 2_000);
    expect(gateways.for(hall(MERCHANT.apiKey), 2_000)).toBe(first);
    const shop = gateways.for(
      {
        merchantCode: new Secret(OTHER_MERCHANT.merchantCode),
        apiKey: new Secret(OTHER_MERCHANT.apiKey),
      },
      2_000,
    );
    expect(shop).not.toBe(first);
    // The page's key was rotated: its next call builds a client with the new key.
    const rotated = gateways.for(hall('sup_sk_test_hall_rotated'), 2_000);
    expect(rotated).not.toBe(first);
    expect(gateways.for(hall('sup_sk_test_hall_rotated'), 2_000)).toBe(rotated);
    // And it is that key the client sends: the emulator refuses one it does not know.
    expect(await first.checkMerchant()).toBe('accepted');
    expect(await rotated.checkMerchant()).toBe('key_refused');
  });
});
