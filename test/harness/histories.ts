import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import type { TestContext } from './context.ts';

export const historiesDir = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

/**
 * With RECORD_HISTORIES=1, saves the history of every workflow this test file ran, named by
 * workflow type and how it ended, as fixtures for the replay test. Without it, does nothing.
 */
export async function recordHistories(ctx: TestContext, file: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  await mkdir(historiesDir, { recursive: true });
  const seen = new Map<string, number>();
  for await (const w of ctx.temporal.client.workflow.list({
    query: `TaskQueue = "${ctx.taskQueue}"`,
  })) {
    if (w.status.name === 'RUNNING') continue;
    const ended = (w.searchAttributes.CheckoutStatus as string[] | undefined)?.[0] ?? w.status.name;
    const name = `${file}.${w.type}.${ended}`;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    const history = await ctx.temporal.client.workflow
      .getHandle(w.workflowId, w.runId)
      .fetchHistory();
    // Protobuf's binary form: exactly what the server sent, read back with History.decode.
    await writeFile(
      `${historiesDir}${name}.${n}.pb`,
      proto.temporal.api.history.v1.History.encode(history).finish(),
    );
  }
}
