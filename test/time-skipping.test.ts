import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { outboxEvents } from '../db/schema/index.ts';
import { createTestContext, NO_PAYMENTS, type TestContext } from './harness/context.ts';
import { startTimeSkipping } from './harness/time-skipping.ts';
import { recordEventAfter } from './workflows/harness-workflows.ts';

let ctx: TestContext;
let skipping: TestWorkflowEnvironment;
beforeAll(async () => {
  ctx = await createTestContext('time-skipping');
  skipping = await startTimeSkipping();
});
afterAll(async () => {
  await skipping?.teardown();
  await ctx?.close();
});

describe("Temporal's time-skipping test server", () => {
  it('fires a 30-day durable timer without waiting 30 days', async () => {
    const key = `checkout.expired:${randomUUID()}`;
    const worker = await Worker.create({
      connection: skipping.nativeConnection,
      taskQueue: ctx.taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createActivities({ db: ctx.database.db, payments: NO_PAYMENTS }),
    });
    const serverTimeBefore = await skipping.currentTimeMs();

    const recorded = await worker.runUntil(
      skipping.client.workflow.execute(recordEventAfter, {
        taskQueue: ctx.taskQueue,
        workflowId: `sleep-${key}`,
        args: ['30 days', { type: 'checkout.expired', key, payload: {} }],
      }),
    );

    const skipped = (await skipping.currentTimeMs()) - serverTimeBefore;
    expect(skipped).toBeGreaterThanOrEqual(30 * 24 * 3600 * 1000);
    const rows = await ctx.database.db.select().from(outboxEvents).where(eq(outboxEvents.key, key));
    expect(rows.map((r) => r.id)).toEqual([recorded.id]);
  });
});
