import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SumupGateway } from '../activities/payments/sumup-gateway.ts';
import { Secret } from '../db/secret.ts';
import { launchChromium } from './harness/browser.ts';
import { MERCHANT, startSumupFixture, type SumupFixture } from './sumup/fixture.ts';

let f: SumupFixture;
let browser: Browser;
beforeAll(async () => {
  f = await startSumupFixture();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await f?.close();
});

describe("the emulator's hosted checkout page in a real browser", () => {
  it('takes a payment when the shopper clicks Pay, and tells our webhook', async () => {
    const gateway = new SumupGateway(
      { apiKey: new Secret(MERCHANT.apiKey), merchantCode: new Secret(MERCHANT.merchantCode) },
      { host: f.emulator.url, timeoutMs: 5_000 },
    );
    const checkout = await gateway.createHostedCheckout({
      reference: `rose-${randomUUID()}`,
      amountMinor: 3600,
      currency: 'EUR',
      description: 'Two tickets for Friday',
      webhookUrl: f.receiver.url,
      returnPageUrl: 'http://127.0.0.1:9/checkout/return/token',
      validUntil: new Date(Date.now() + 30 * 60_000),
    });

    const page = await browser.newPage();
    await page.goto(checkout.hostedCheckoutUrl!);
    await expect.poll(() => page.textContent('#amount')).toBe('36.00 EUR');
    await page.click('#pay');
    await page.waitForSelector('main[data-page="Payment successful"]');
    expect(await page.getAttribute('#back', 'href')).toBe(
      'http://127.0.0.1:9/checkout/return/token',
    );

    expect(await gateway.getCheckout(checkout.id)).toMatchObject({
      status: 'PAID',
      amountMinor: 3600,
    });
    await f.receiver.receivedAtLeast(1);
    expect(f.receiver.received.map((r) => r.body)).toEqual([
      { event_type: 'CHECKOUT_STATUS_CHANGED', id: checkout.id },
    ]);
    expect(f.spec?.violations ?? []).toEqual([]);
  });
});
