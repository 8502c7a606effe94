import { randomBytes, randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSumupCredentials } from '../activities/payments/credentials.ts';
import { issueRefund } from '../activities/payments/issue-refund.ts';
import { applyMigrations } from '../db/migrate.ts';
import { storeSumupCredentials } from '../db/queries/sumup-credentials.ts';
import { orders, pages, pageSumupCredentials, refunds } from '../db/schema/index.ts';
import { parseCredentialsKeys } from '../db/sealed.ts';
import { Secret } from '../db/secret.ts';
import { createTestContext, testCredentialsKeys, type TestContext } from './harness/context.ts';

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
  await storeSumupCredentials(db, testCredentialsKeys, hall, {
    merchantCode: 'MHALL01',
    apiKey: new Secret('sup_sk_hall_secret'),
  });
});
afterAll(() => ctx?.close());

const db = () => ctx.database.db;
const defaultMerchant = {
  merchantCode: new Secret('MDEFAULT'),
  apiKey: new Secret('sup_sk_default'),
};
const settings = { defaultMerchant, credentialsKeys: testCredentialsKeys };
const newKey = () => `${randomBytes(32).toString('base64')}`;

/** How a call fails: its ApplicationFailure's type, whether it is final, and its message. */
const failureOf = async (call: Promise<unknown>) => {
  const failure = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(failure).toBeInstanceOf(ApplicationFailure);
  const { type, nonRetryable, message } = failure as ApplicationFailure;
  return { type, nonRetryable, message };
};

/**
 * Every row of every table, as text, as a dump holds it. pg_dump itself cannot be used here:
 * Debian 12 ships pg_dump 15, which refuses to dump the embedded PostgreSQL 17.
 */
async function dumpRows(): Promise<string> {
  const tables = await ctx.database.pool.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
  );
  const dumped: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await ctx.database.pool.query<{ row: string }>(
      `SELECT t::text AS row FROM ${name} t`,
    );
    dumped.push(name, ...rows.rows.map((r) => r.row));
  }
  return dumped.join('\n');
}

describe("a checkout's SumUp credentials", () => {
  it("are the page's own for a page checkout", async () => {
    const credentials = await resolveSumupCredentials(db(), hall, settings);
    expect([credentials.merchantCode.reveal(), credentials.apiKey.reveal()]).toEqual([
      'MHALL01',
      'sup_sk_hall_secret',
    ]);
    expect(JSON.stringify(credentials)).not.toContain('sup_sk_hall_secret');
  });

  it("are the default merchant's for a global checkout", async () => {
    expect(await resolveSumupCredentials(db(), null, settings)).toBe(defaultMerchant);
  });

  it('fail without retrying when there are none, or they cannot be opened', async () => {
    for (const [pageId, fallback] of [
      [bare, settings],
      [null, { credentialsKeys: testCredentialsKeys }],
      // No CREDENTIALS_KEYS, or not the key that sealed it.
      [hall, { defaultMerchant }],
      [hall, { credentialsKeys: parseCredentialsKeys(`other:${newKey()}`) }],
    ] as const) {
      const failure = await failureOf(resolveSumupCredentials(db(), pageId, fallback));
      expect([failure.type, failure.nonRetryable]).toEqual(['SumupCredentialsMissing', true]);
      expect(failure.message).not.toContain('sup_sk_hall_secret');
    }
  });

  it('do not open on another page: the sealed key is bound to its own', async () => {
    const [sealed] = await db()
      .select()
      .from(pageSumupCredentials)
      .where(eq(pageSumupCredentials.pageId, hall));
    await db()
      .insert(pageSumupCredentials)
      .values({ ...sealed!, pageId: bare });
    try {
      const failure = await failureOf(resolveSumupCredentials(db(), bare, settings));
      expect(failure.type).toBe('SumupCredentialsMissing');
    } finally {
      await db().delete(pageSumupCredentials).where(eq(pageSumupCredentials.pageId, bare));
    }
  });
});

describe("an order's SumUp credentials", () => {
  it("are its own merchant's, after its page has moved on to another", async () => {
    const [page] = await db()
      .insert(pages)
      .values({ slug: 'moved', title: 'Changed merchant' })
      .returning({ id: pages.id });
    const pageId = page!.id;
    await storeSumupCredentials(db(), testCredentialsKeys, pageId, {
      merchantCode: 'MFIRST1',
      apiKey: new Secret('sup_sk_first_merchant'),
    });
    await storeSumupCredentials(db(), testCredentialsKeys, pageId, {
      merchantCode: 'MSECOND',
      apiKey: new Secret('sup_sk_second_merchant'),
    });
    const keyOf = async (merchant?: string) =>
      (
        await resolveSumupCredentials(
          db(),
          pageId,
          settings,
          merchant === undefined ? undefined : new Secret(merchant),
        )
      ).apiKey.reveal();
    // New checkouts pay the page's current merchant; an order made for the first, the first.
    expect(await keyOf()).toBe('sup_sk_second_merchant');
    expect(await keyOf('MSECOND')).toBe('sup_sk_second_merchant');
    expect(await keyOf('MFIRST1')).toBe('sup_sk_first_merchant');
    // A rotation of the first merchant's key replaces its key, and makes it current again.
    await storeSumupCredentials(db(), testCredentialsKeys, pageId, {
      merchantCode: 'MFIRST1',
      apiKey: new Secret('sup_sk_first_rotated'),
    });
    expect([await keyOf(), await keyOf('MFIRST1'), await keyOf('MSECOND')]).toEqual([
      'sup_sk_first_rotated',
      'sup_sk_first_rotated',
      'sup_sk_second_merchant',
    ]);
    const failure = await failureOf(keyOf('MNEVER1'));
    expect([failure.type, failure.nonRetryable]).toEqual(['SumupCredentialsMissing', true]);
  });

  it('of a global order made for another default merchant fail for good, naming neither', async () => {
    // Made for the default of the time, or before orders kept theirs: the default's.
    expect(await resolveSumupCredentials(db(), null, settings, new Secret('MDEFAULT'))).toBe(
      defaultMerchant,
    );
    expect(await resolveSumupCredentials(db(), null, settings, null)).toBe(defaultMerchant);
    // SUMUP_MERCHANT_CODE changed since: the new merchant's key would read nothing of it.
    const failure = await failureOf(
      resolveSumupCredentials(db(), null, settings, new Secret('MOLDDEF')),
    );
    expect([failure.type, failure.nonRetryable]).toEqual(['SumupCredentialsMissing', true]);
    expect(failure.message).toMatch(/SUMUP_MERCHANT_CODE/);
    for (const secret of ['MOLDDEF', 'MDEFAULT', 'sup_sk_default']) {
      expect(failure.message).not.toContain(secret);
    }

    // Its refund is not sent with the new default's key: it fails, on record for ops.
    const [order] = await db()
      .insert(orders)
      .values({
        idempotencyKey: randomUUID(),
        workflowId: 'checkout-of-the-old-default',
        userId: 'u-old-default',
        status: 'paid',
        paidAt: new Date(),
        sumupMerchantCode: new Secret('MOLDDEF'),
        currency: 'GBP',
        totalMinor: 500,
      })
      .returning();
    const [refund] = await db()
      .insert(refunds)
      .values({
        orderId: order!.id,
        key: 'goodwill',
        amountMinor: 500,
        currency: 'GBP',
        reason: 'Goodwill',
        requestedBy: 'ops',
        sumupTransactionId: randomUUID(),
      })
      .returning();
    const refused = await failureOf(
      issueRefund(
        db(),
        { ...settings, sumupHost: 'http://127.0.0.1:9', sumupTimeoutMs: 500, publicBaseUrl: '' },
        refund!.id,
      ),
    );
    expect([refused.type, refused.nonRetryable]).toEqual(['SumupCredentialsMissing', true]);
    const [recorded] = await db().select().from(refunds).where(eq(refunds.id, refund!.id));
    expect([recorded!.status, recorded!.attempts, recorded!.lastError]).toEqual([
      'failed',
      1,
      refused.message,
    ]);
  });
});

describe('SumUp keys at rest', () => {
  it('are sealed by the migration when an older release stored them in clear, and no dump holds one', async () => {
    const [page] = await db()
      .insert(pages)
      .values({ slug: 'older', title: 'Set up by an older release' })
      .returning();
    // As releases before migration 0010 wrote it.
    await db().execute(
      sql`INSERT INTO page_sumup_credentials (page_id, merchant_code, api_key)
          VALUES (${page!.id}, 'MOLDER1', 'sup_sk_stored_in_clear')`,
    );
    expect(await dumpRows()).toContain('sup_sk_stored_in_clear');

    // Without the keys, migrating refuses, naming the variable and not the key.
    const refused = await applyMigrations(ctx.databaseUrl).then(
      () => undefined,
      (e: unknown) => (e as Error).message,
    );
    expect(refused).toMatch(/CREDENTIALS_KEYS/);
    expect(refused).not.toContain('sup_sk_stored_in_clear');

    await applyMigrations(ctx.databaseUrl, { credentialsKeys: testCredentialsKeys });
    const credentials = await resolveSumupCredentials(db(), page!.id, settings);
    expect(credentials.apiKey.reveal()).toBe('sup_sk_stored_in_clear');
    const dump = await dumpRows();
    expect(dump).toContain('page_sumup_credentials');
    for (const key of ['sup_sk_stored_in_clear', 'sup_sk_hall_secret', 'sup_sk_']) {
      expect(dump).not.toContain(key);
    }
  });

  it('keep opening across a rotation of CREDENTIALS_KEYS; a key set after it is sealed with the new one', async () => {
    const rotated = parseCredentialsKeys(
      `test-2:${newKey()},${[...testCredentialsKeys.all.values()]
        .map((k) => `${k.id}:${k.key.export().toString('base64')}`)
        .join(',')}`,
    );
    const before = await resolveSumupCredentials(db(), hall, {
      credentialsKeys: rotated,
    });
    expect(before.apiKey.reveal()).toBe('sup_sk_hall_secret');
    await storeSumupCredentials(db(), rotated, hall, {
      merchantCode: 'MHALL01',
      apiKey: new Secret('sup_sk_hall_rotated'),
    });
    const [row] = await db()
      .select()
      .from(pageSumupCredentials)
      .where(eq(pageSumupCredentials.pageId, hall));
    expect(row!.apiKeySealed).toMatch(/^sealed1:test-2:/);
    const after = await resolveSumupCredentials(db(), hall, { credentialsKeys: rotated });
    expect(after.apiKey.reveal()).toBe('sup_sk_hall_rotated');
  });
});
