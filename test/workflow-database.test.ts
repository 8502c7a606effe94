import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxEvents } from '../db/schema/index.ts';
import { createTestContext, type TestContext } from './harness/context.ts';
import { recordEventTwice } from './workflows/harness-workflows.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext('workflow-database');
});
afterAll(() => ctx?.close());

describe('a workflow on the real Temporal server writing through drizzle', () => {
  it('records an outbox event that the test reads back from PostgreSQL, once', async () => {
    const key = `order.created:${randomUUID()}`;
    const payload = { orderId: 'ord-1', totalMinor: 2450, currency: 'GBP' };

    const [first, second] = await ctx.withWorker(() =>
      ctx.temporal.client.workflow.execute(recordEventTwice, {
        taskQueue: ctx.taskQueue,
        workflowId: `record-${key}`,
        args: [{ type: 'order.created', key, payload }],
      }),
    );

    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, created: false });
    const rows = await ctx.database.db.select().from(outboxEvents).where(eq(outboxEvents.key, key));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: first.id,
      type: 'order.created',
      payload,
      publishedAt: null,
    });
  });
});
