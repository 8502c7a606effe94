import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSumupCredentials } from '../activities/payments/credentials.ts';
import { pages, pageSumupCredentials } from '../db/schema/index.ts';
import { Secret } from '../db/secret.ts';
import { createTestContext, type TestContext } from './harness/context.ts';

let ctx: TestContext;
let hall: number;
let bare: number;
beforeAll(async () => {
  ctx = await createTestContext('sumup-credentials');
  const { db } = ctx.database;
  const rows = await db
    .insert(pages)
    .values([
      { slug: 'hall', title: 'The Hall' },
      { slug: 'bare', title: 'No merchant yet' },
    ])
    .returning({ id: pages.id });
  [hall, bare] = rows.map((r) => r.id) as [number, number];
  await db.insert(pageSumupCredentials).values({
    pageId: hall,
    merchantCode: new Secret('MHALL01'),
    apiKey: new Secret('sup_sk_hall_secret'),
  });
});
afterAll(() => ctx?.close());

const defaultMerchant = {
  merchantCode: new Secret('MDEFAULT'),
  apiKey: new Secret('sup_sk_default'),
};

describe("a checkout's SumUp credentials", () => {
  it("are the page's own for a page checkout", async () => {
    const credentials = await resolveSumupCredentials(ctx.database.db, hall, defaultMerchant);
    expect([credentials.merchantCode.reveal(), credentials.apiKey.reveal()]).toEqual([
      'MHALL01',
      'sup_sk_hall_secret',
    ]);
    expect(JSON.stringify(credentials)).not.toContain('sup_sk_hall_secret');
  });

  it("are the default merchant's for a global checkout", async () => {
    expect(await resolveSumupCredentials(ctx.database.db, null, defaultMerchant)).toBe(
      defaultMerchant,
    );
  });

  it('fail without retrying when there are none', async () => {
    for (const [pageId, fallback] of [
      [bare, defaultMerchant],
      [null, undefined],
    ] as const) {
      const failure = await resolveSumupCredentials(ctx.database.db, pageId, fallback).catch(
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect([
        (failure as ApplicationFailure).type,
        (failure as ApplicationFailure).nonRetryable,
      ]).toEqual(['SumupCredentialsMissing', true]);
    }
  });
});
