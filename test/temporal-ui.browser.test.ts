import { workflowSinks } from '../worker/worker.ts';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { createActivities } from '../activities/index.ts';
import { searchAttributes } from '../workflows/search-attributes.ts';
import { launchChromium } from './harness/browser.ts';
import { emulatorPayments, shopPayingEmulator, startCheckout } from './harness/checkout.ts';
import { createTestContext, type TestContext } from './harness/context.ts';
import { freePort } from './harness/free-port.ts';
import { RUN_DIR_PREFIX } from './harness/global-setup.ts';
import { toolPath } from './harness/tools.ts';
import { startSumupFixture, type SumupFixture } from './sumup/fixture.ts';

// The run's shared dev server is headless, so this file starts a dev server of its own with
// the UI, and a worker on it.
let ctx: TestContext;
let f: SumupFixture;
let browser: Browser;
let page: Page | undefined;
let serverDir: string | undefined;
let withUi: TestWorkflowEnvironment | undefined;
let uiUrl: string;
beforeAll(async () => {
  [ctx, f, browser] = await Promise.all([
    createTestContext('temporal-ui-browser'),
    startSumupFixture(),
    launchChromium(),
  ]);
  // Named like the run folder, so that CI's check for leftovers would see this server.
  serverDir = await mkdtemp(join(tmpdir(), `${RUN_DIR_PREFIX}ui-`));
  const uiPort = await freePort();
  withUi = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: toolPath('temporal-cli') },
      ip: '127.0.0.1',
      ui: true,
      uiPort,
      dbFilename: join(serverDir, 'temporal.sqlite'),
      searchAttributes,
    },
  });
  uiUrl = `http://127.0.0.1:${uiPort}`;
});
afterAll(async () => {
  await page?.close();
  await browser?.close();
  await withUi?.teardown();
  if (serverDir) await rm(serverDir, { recursive: true, force: true });
  await ctx?.close();
  await f?.close();
});

/** Runs `body` while a worker polls the UI server with every workflow and activity. */
async function withWorker<T>(body: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: withUi!.nativeConnection,
    taskQueue: ctx.taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    sinks: workflowSinks(),
    activities: createActivities({ db: ctx.database.db, payments: emulatorPayments(f) }),
  });
  return worker.runUntil(body());
}

describe('the Temporal UI', () => {
  it('finds a checkout by its OrderId search attribute, and shows its CheckoutStatus', async () => {
    onTestFailed(async () => {
      await page?.screenshot({ path: join(tmpdir(), 'temporal-ui.browser.test.png') });
    });
    const shop = await shopPayingEmulator(ctx.database.db, { seats: 5 });
    const shopper = { userId: `u-${randomUUID()}` };
    await shop.addTickets(shopper.userId, 2);

    await withWorker(async () => {
      const view = await startCheckout(
        { ...ctx, temporal: withUi! },
        { shopper, scope: { pageId: shop.page.id }, pollInitialMs: 10 * 60_000 },
      );
      const query = `OrderId = "${view.orderId}"`;
      // The list shows what visibility has indexed, and does not refresh by itself.
      await expect
        .poll(async () => (await withUi!.client.workflow.count(query)).count, { timeout: 10_000 })
        .toBeGreaterThan(0);

      page = await browser.newPage();
      await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
      const rows = page.getByRole('row').filter({ hasText: view.workflowId });
      await rows.waitFor();
      expect(await rows.count()).toBe(1);
      expect(await rows.innerText()).toContain('Running');

      await rows.getByRole('link', { name: view.workflowId, exact: true }).click();
      await page.getByRole('tab', { name: 'Search Attributes' }).click();
      const attributes = page.getByRole('textbox').filter({ hasText: 'CheckoutStatus' });
      await attributes.waitFor();
      // Beside ours, the server's own (BuildIds).
      expect(JSON.parse(await attributes.innerText())).toMatchObject({
        indexedFields: {
          OrderId: String(view.orderId),
          CheckoutStatus: 'awaiting_payment',
          ShopperId: shopper.userId,
          PageId: String(shop.page.id),
        },
      });
    });
  });
});
