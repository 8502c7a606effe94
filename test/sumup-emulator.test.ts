import { randomUUID } from 'node:crypto';
import { APIError, type CheckoutCreateRequest } from '@sumup/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MERCHANT, OTHER_MERCHANT, startSumupFixture, type SumupFixture } from './sumup/fixture.ts';
import { specAvailable, specPath } from './sumup/spec.ts';

let f: SumupFixture;
beforeAll(async () => {
  f = await startSumupFixture({ webhookCompression: 600 });
  if (!specAvailable)
    console.warn(`SumUp spec not found at ${specPath}: answers are not checked against it`);
});
afterAll(() => f?.close());
beforeEach(async () => {
  expect((await f.control('/reset')).status).toBe(204);
  f.receiver.failNext = 0;
  f.receiver.received.length = 0;
});

/** What the receiver got for these checkouts, in arrival order. */
const receivedFor = (...ids: (string | undefined)[]) =>
  f.receiver.received.map((r) => r.body as { id: string }).filter((b) => ids.includes(b.id));

const request = (overrides: Partial<CheckoutCreateRequest> = {}): CheckoutCreateRequest => ({
  checkout_reference: `ord-${randomUUID()}`,
  amount: 24.5,
  currency: 'GBP',
  merchant_code: MERCHANT.merchantCode,
  description: 'Two tickets',
  return_url: f.receiver.url,
  redirect_url: 'http://127.0.0.1:9/return',
  hosted_checkout: { enabled: true },
  ...overrides,
});

/** The SDK's APIError for a call that must fail. */
async function failure(call: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof APIError) return { status: error.status, body: error.error };
    throw error;
  }
  throw new Error('the call succeeded');
}

const api = (path: string, init: RequestInit & { key?: string } = {}) =>
  fetch(`${f.emulator.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${init.key ?? MERCHANT.apiKey}`,
      'content-type': 'application/json',
      ...(init.headers as Record<string, string> | undefined),
    },
  });

describe('checkouts', () => {
  it('creates a hosted checkout whose page is served at hosted_checkout_url', async () => {
    const created = await f.sdk().checkouts.create(request({ amount: 10.1 }));
    expect(created).toMatchObject({
      status: 'PENDING',
      amount: 10.1,
      currency: 'GBP',
      merchant_code: MERCHANT.merchantCode,
    });
    expect(created.hosted_checkout_url).toBe(`${f.emulator.url}/pay/c-${created.id}`);
    const page = await fetch(created.hosted_checkout_url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('10.10 GBP');
  });

  it('refuses a reference the same merchant already used, and lists by reference', async () => {
    const body = request();
    const first = await f.sdk().checkouts.create(body);
    expect(await failure(f.sdk().checkouts.create(body))).toEqual({
      status: 409,
      body: { error_code: 'DUPLICATED_CHECKOUT', message: expect.any(String) },
    });
    const listed = await f.sdk().checkouts.list({ checkout_reference: body.checkout_reference });
    expect(listed.map((c) => c.id)).toEqual([first.id]);
    // Another merchant's keys neither see it nor collide with it.
    const other = f.sdk(OTHER_MERCHANT.apiKey);
    expect(await other.checkouts.list({ checkout_reference: body.checkout_reference })).toEqual([]);
    expect((await failure(other.checkouts.get(first.id!))).status).toBe(404);
    await expect(
      other.checkouts.create({ ...body, merchant_code: OTHER_MERCHANT.merchantCode }),
    ).resolves.toBeDefined();
  });

  it('updates a pending checkout and refuses to change a paid one', async () => {
    const created = await f.sdk().checkouts.create(request());
    const patched = await api(`/v0.1/checkouts/${created.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ description: 'Three tickets' }),
    });
    expect(await patched.json()).toMatchObject({ description: 'Three tickets' });
    // A new reference is listed under its new name, and the old one is free again.
    const renamed = `ord-${randomUUID()}`;
    await api(`/v0.1/checkouts/${created.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ checkout_reference: renamed }),
    });
    const listedAs = async (reference: string) =>
      (await f.sdk().checkouts.list({ checkout_reference: reference })).map((c) => c.id);
    expect(await listedAs(renamed)).toEqual([created.id]);
    expect(await listedAs(created.checkout_reference!)).toEqual([]);
    await f.control(`/checkouts/${created.id}/pay`);
    const refused = await api(`/v0.1/checkouts/${created.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ description: 'x' }),
    });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error_code: 'CHECKOUT_PROCESSED' });
  });
});

describe('bad input gets SumUp error bodies, never a crash', () => {
  it('names every missing field in an array', async () => {
    const { status, body } = await failure(f.sdk().checkouts.create({} as CheckoutCreateRequest));
    expect(status).toBe(400);
    expect(body).toEqual(
      ['checkout_reference', 'amount', 'currency', 'merchant_code'].map((param) => ({
        message: 'Validation error',
        error_code: 'MISSING',
        param,
      })),
    );
  });

  it.each([
    ['an amount finer than the currency', { amount: 10.123 }, 'amount'],
    ['a currency SumUp does not take', { currency: 'XYZ' as never }, 'currency'],
    [
      'a reference over 90 characters',
      { checkout_reference: 'r'.repeat(91) },
      'checkout_reference',
    ],
    ['a webhook that is not a URL', { return_url: 'not a url' }, 'return_url'],
    ['a negative amount', { amount: -5 }, 'amount'],
  ])('refuses %s with one INVALID body', async (_what, overrides, param) => {
    expect(await failure(f.sdk().checkouts.create(request(overrides)))).toEqual({
      status: 400,
      body: { message: 'Validation error', error_code: 'INVALID', param },
    });
  });

  it('answers malformed JSON, wrong credentials, foreign merchants and unknown routes in kind', async () => {
    const malformed = await api('/v0.1/checkouts', { method: 'POST', body: '{"amount": 1,' });
    expect([malformed.status, await malformed.json()]).toEqual([
      400,
      { message: 'Validation error', error_code: 'INVALID', param: 'body' },
    ]);

    const anonymous = await fetch(`${f.emulator.url}/v0.1/checkouts`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await anonymous.json()).toMatchObject({
      title: 'Unauthorized',
      status: 401,
      detail: 'Unauthorized.',
    });
    expect((await failure(f.sdk('sup_sk_unknown').checkouts.list())).status).toBe(401);

    expect(
      await failure(
        f.sdk().checkouts.create(request({ merchant_code: OTHER_MERCHANT.merchantCode })),
      ),
    ).toMatchObject({
      status: 403,
      body: { error_code: 'FORBIDDEN' },
    });
    const unknown = await api('/v0.1/nothing-here');
    expect([unknown.status, await unknown.json()]).toEqual([
      404,
      { error_code: 'NOT_FOUND', message: 'Resource not found' },
    ]);
    expect((await failure(f.sdk().checkouts.get(randomUUID()))).status).toBe(404);
    const oversized = await api('/v0.1/checkouts', {
      method: 'POST',
      body: JSON.stringify({ description: 'x'.repeat(100_000) }),
    });
    expect(oversized.status).toBe(413);
  });
});

describe('the checkout state machine', () => {
  it('pays once: a paid checkout cannot be paid again or deactivated', async () => {
    const created = await f.sdk().checkouts.create(request());
    const card = {
      name: 'A Shopper',
      number: '4111111111111111',
      expiry_month: '12',
      expiry_year: '2030',
      cvv: '123',
      type: 'VISA' as const,
    };
    const paid = await f.sdk().checkouts.process(created.id!, { payment_type: 'card', card });
    expect(paid).toMatchObject({ status: 'PAID' });
    const read = await f.sdk().checkouts.get(created.id!);
    expect(read.transactions).toEqual([
      expect.objectContaining({ status: 'SUCCESSFUL', amount: 24.5, id: read.transaction_id }),
    ]);
    expect(
      await failure(f.sdk().checkouts.process(created.id!, { payment_type: 'card', card })),
    ).toMatchObject({ status: 409, body: { error_code: 'CHECKOUT_PROCESSED' } });
    expect(await failure(f.sdk().checkouts.deactivate(created.id!))).toMatchObject({
      status: 409,
      body: { error_code: 'CHECKOUT_PROCESSED' },
    });
  });

  it('expires on deactivation, after which it cannot be paid', async () => {
    const created = await f.sdk().checkouts.create(request());
    expect(await f.sdk().checkouts.deactivate(created.id!)).toMatchObject({ status: 'EXPIRED' });
    expect((await f.control(`/checkouts/${created.id}/pay`)).status).toBe(409);
    expect((await f.sdk().checkouts.get(created.id!)).status).toBe('EXPIRED');
  });

  it('expires once valid_until passes on the emulator clock', async () => {
    const validUntil = new Date(Date.now() + 10 * 60_000).toISOString();
    const created = await f.sdk().checkouts.create(request({ valid_until: validUntil }));
    await f.control('/clock/advance', { ms: 9 * 60_000 });
    expect((await f.sdk().checkouts.get(created.id!)).status).toBe('PENDING');
    await f.control('/clock/advance', { ms: 2 * 60_000 });
    expect((await f.sdk().checkouts.get(created.id!)).status).toBe('EXPIRED');
  });

  it.each([11, 42.01, 42.76, 42.91])("fails SumUp's sandbox failure amount %d", async (amount) => {
    const created = await f.sdk().checkouts.create(request({ amount }));
    await f.control(`/checkouts/${created.id}/pay`);
    const read = await f.sdk().checkouts.get(created.id!);
    expect(read.status).toBe('FAILED');
    expect(read.transactions).toEqual([expect.objectContaining({ status: 'FAILED' })]);
  });

  it('lets a declined shopper try again and pay', async () => {
    const created = await f.sdk().checkouts.create(request());
    await f.control(`/checkouts/${created.id}/fail`);
    await f.control(`/checkouts/${created.id}/pay`);
    const read = await f.sdk().checkouts.get(created.id!);
    expect(read.status).toBe('PAID');
    expect(read.transactions?.map((t) => t.status)).toEqual(['FAILED', 'SUCCESSFUL']);
  });
});

describe('refunds', () => {
  it('never add up to more than was paid', async () => {
    const created = await f.sdk().checkouts.create(request({ amount: 30 }));
    await f.control(`/checkouts/${created.id}/pay`);
    const { transaction_id: transactionId } = await f.sdk().checkouts.get(created.id!);
    const { merchantCode } = MERCHANT;

    await expect(
      f.sdk().transactions.refund(merchantCode, transactionId!, { amount: 12.5 }),
    ).resolves.toEqual({});
    expect(
      await failure(f.sdk().transactions.refund(merchantCode, transactionId!, { amount: 20 })),
    ).toMatchObject({
      status: 422,
      body: { status: 422, max_refundable_amount: 17.5 },
    });
    expect(
      (await failure(f.sdk().transactions.refund(merchantCode, transactionId!, { amount: 0 })))
        .status,
    ).toBe(400);
    await expect(f.sdk().transactions.refund(merchantCode, transactionId!)).resolves.toEqual({});
    expect((await f.sdk().checkouts.get(created.id!)).transactions?.[0]?.status).toBe('REFUNDED');
    expect((await failure(f.sdk().transactions.refund(merchantCode, transactionId!))).status).toBe(
      409,
    );
    expect((await failure(f.sdk().transactions.refund(merchantCode, randomUUID()))).status).toBe(
      404,
    );
    expect(
      (await failure(f.sdk().transactions.refund(OTHER_MERCHANT.merchantCode, transactionId!)))
        .status,
    ).toBe(403);
  });

  it('answers the legacy refund route with 204', async () => {
    const created = await f.sdk().checkouts.create(request());
    await f.control(`/checkouts/${created.id}/pay`);
    const { transaction_id: transactionId } = await f.sdk().checkouts.get(created.id!);
    const refunded = await api(`/v0.1/me/refund/${transactionId}`, { method: 'POST', body: '{}' });
    expect(refunded.status).toBe(204);
    expect(
      (await api(`/v0.1/me/refund/${transactionId}`, { method: 'POST', body: '{}' })).status,
    ).toBe(409);
  });
});

describe('webhooks', () => {
  const deliveries = async () =>
    (await (await f.control('/webhooks', undefined, 'GET')).json()) as {
      checkoutId: string;
      status: string;
      attempt: number;
      outcome: string;
      at: string;
    }[];

  it("POSTs only the event type and checkout id, retrying on SumUp's schedule", async () => {
    f.receiver.failNext = 2;
    const created = await f.sdk().checkouts.create(request());
    await f.control(`/checkouts/${created.id}/pay`);
    await f.receiver.receivedAtLeast(1);

    expect(receivedFor(created.id)).toEqual([
      { event_type: 'CHECKOUT_STATUS_CHANGED', id: created.id },
    ]);
    const log = (await deliveries()).filter((d) => d.checkoutId === created.id);
    expect(log.map((d) => [d.attempt, d.outcome, d.status])).toEqual([
      [1, 'failed', 'PAID'],
      [2, 'failed', 'PAID'],
      [3, 'delivered', 'PAID'],
    ]);
    // 1 min then 5 min, compressed 600 times: at least 100 ms and 500 ms apart.
    const at = log.map((d) => Date.parse(d.at));
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(100);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(500);
  });

  it('sends duplicates on demand, and drops on demand', async () => {
    const loud = await f.sdk().checkouts.create(request());
    const lost = await f.sdk().checkouts.create(request());
    await f.control(
      '/webhooks/behaviour',
      { duplicates: 2, checkoutReference: loud.checkout_reference },
      'PUT',
    );
    await f.control(
      '/webhooks/behaviour',
      { drop: true, checkoutReference: lost.checkout_reference },
      'PUT',
    );
    await f.control(`/checkouts/${lost.id}/pay`);
    await f.control(`/checkouts/${loud.id}/pay`);
    await f.receiver.receivedAtLeast(3);

    expect(receivedFor(loud.id, lost.id).map((b) => b.id)).toEqual([loud.id, loud.id, loud.id]);
    expect(
      (await deliveries()).filter((d) => d.checkoutId === lost.id).map((d) => d.outcome),
    ).toEqual(['dropped']);
  });

  it('holds deliveries and releases them out of order', async () => {
    const created = await f.sdk().checkouts.create(request());
    await f.control('/webhooks/behaviour', { hold: true }, 'PUT');
    await f.control(`/checkouts/${created.id}/fail`);
    await f.control(`/checkouts/${created.id}/pay`);
    expect(receivedFor(created.id)).toEqual([]);
    expect(await (await f.control('/webhooks/release', { order: 'reverse' })).json()).toEqual({
      released: 2,
    });
    await f.receiver.receivedAtLeast(2);
    const delivered = (await deliveries())
      .filter((d) => d.checkoutId === created.id && d.outcome === 'delivered')
      .map((d) => d.status);
    expect(delivered).toEqual(['PAID', 'FAILED']);
  });

  it('notifies expiry only when asked to, since SumUp does not say it does', async () => {
    const silent = await f.sdk().checkouts.create(request());
    const told = await f.sdk().checkouts.create(request());
    await f.control(
      '/webhooks/behaviour',
      { onExpiry: true, checkoutReference: told.checkout_reference },
      'PUT',
    );
    await f.sdk().checkouts.deactivate(silent.id!);
    await f.sdk().checkouts.deactivate(told.id!);
    await f.receiver.receivedAtLeast(1);
    expect(receivedFor(silent.id, told.id).map((b) => b.id)).toEqual([told.id]);
  });
});

describe('delays and faults on demand', () => {
  it('delays a delivery by the time asked for', async () => {
    const created = await f.sdk().checkouts.create(request());
    await f.control(
      '/webhooks/behaviour',
      { delayMs: 300, checkoutReference: created.checkout_reference },
      'PUT',
    );
    const paidAt = Date.now();
    await f.control(`/checkouts/${created.id}/pay`);
    await f.receiver.receivedAtLeast(1);
    expect(receivedFor(created.id)).toHaveLength(1);
    expect(f.receiver.received[0]!.at - paidAt).toBeGreaterThanOrEqual(300);
  });

  it('faults one checkout reference, and one request by header, leaving the rest alone', async () => {
    const hit = await f.sdk().checkouts.create(request());
    const spared = await f.sdk().checkouts.create(request());
    await f.control('/faults', { kind: 'server-error', checkoutReference: hit.checkout_reference });
    expect((await api(`/v0.1/checkouts/${hit.id}`)).status).toBe(502);
    expect((await api(`/v0.1/checkouts/${spared.id}`)).status).toBe(200);

    const limited = await api(`/v0.1/checkouts/${spared.id}`, {
      headers: { 'x-sumup-emulator-fault': 'rate-limit' },
    });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '1']);
    expect((await api(`/v0.1/checkouts/${spared.id}`)).status).toBe(200);
  });
});

describe('the hosted page', () => {
  const form = (url: string) => fetch(url, { method: 'POST', redirect: 'manual' });

  it('declines, offers a retry, and shows the expired state', async () => {
    const created = await f.sdk().checkouts.create(request());
    const page = await (await fetch(created.hosted_checkout_url!)).text();
    for (const action of ['pay', 'decline', 'abandon']) expect(page).toContain(`id="${action}"`);

    const declined = await form(`${created.hosted_checkout_url}/decline`);
    expect([declined.status, declined.headers.get('location')]).toEqual([
      303,
      `/pay/c-${created.id}`,
    ]);
    expect(await (await fetch(created.hosted_checkout_url!)).text()).toContain('Payment failed');

    const abandoned = await (await form(`${created.hosted_checkout_url}/abandon`)).text();
    expect(abandoned).toContain('Payment abandoned');
    expect((await f.sdk().checkouts.get(created.id!)).status).toBe('FAILED');

    await f.sdk().checkouts.deactivate(created.id!);
    const expired = await fetch(created.hosted_checkout_url!);
    expect([expired.status, (await expired.text()).includes('Payment expired')]).toEqual([
      410,
      true,
    ]);
    expect((await fetch(`${f.emulator.url}/pay/c-${randomUUID()}`)).status).toBe(404);
  });
});

describe('the control API', () => {
  it('refuses malformed control requests', async () => {
    expect((await f.control('/clock/advance', { ms: -1 })).status).toBe(400);
    expect((await f.control('/faults', { kind: 'meteor' })).status).toBe(400);
    expect((await f.control(`/checkouts/${randomUUID()}/pay`)).status).toBe(404);
  });
});

describe.runIf(specAvailable)("SumUp's published spec", () => {
  it('allows every answer the emulator gave in this file', () => {
    expect(f.spec!.violations).toEqual([]);
    expect(f.spec!.checked).toBeGreaterThan(40);
  });
});
