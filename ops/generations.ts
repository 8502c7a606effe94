import type { Client } from '@temporalio/client';
import { checkout } from '../workflows/checkout.ts';
import { checkoutGenerations } from '../workflows/generations.ts';

export interface GenerationCount {
  workflowType: string;
  generation: number;
  /** The patch its runs carry in TemporalChangeVersion; null for the first generation. */
  patch: string | null;
  running: number;
  /** The visibility query that counted them, as ops would type it into the UI. */
  query: string;
}

/**
 * Running checkouts per generation (workflows/generations.ts): an older generation's path
 * can be deprecated once its count is 0 and stays 0 (no run of it is left to replay). Each
 * generation records only its own marker, so generation 1 is what carries none of them.
 */
export async function countGenerations(
  client: Client,
  taskQueue: string | undefined,
): Promise<GenerationCount[]> {
  const running = [
    `WorkflowType = "${checkout.name}"`,
    'ExecutionStatus = "Running"',
    ...(taskQueue === undefined ? [] : [`TaskQueue = "${taskQueue}"`]),
  ].join(' AND ');
  const patches = checkoutGenerations.flatMap((g) => (g.patch === null ? [] : [g.patch]));
  return Promise.all(
    checkoutGenerations.map(async ({ generation, patch }) => {
      const query =
        patch === null
          ? `${running} AND TemporalChangeVersion NOT IN (${patches.map((p) => `"${p}"`).join(', ')})`
          : `${running} AND TemporalChangeVersion = "${patch}"`;
      const { count } = await client.workflow.count(query);
      return { workflowType: checkout.name, generation, patch, running: count, query };
    }),
  );
}
