import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';

const readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    postgres: z.enum(['ok', 'unreachable']),
    temporal: z.enum(['ok', 'unreachable']),
  }),
});

/** Liveness says the process answers; readiness that PostgreSQL and Temporal do too. */
const READINESS_TIMEOUT_MS = 2_000;

export function healthEndpoints(db: Database, client: Client): Endpoint[] {
  return [
    endpoint(
      {
        method: 'get',
        path: '/healthz',
        summary: 'The process answers',
        tag: 'operations',
        access: 'public',
        responses: {
          200: { description: 'Alive.', schema: z.object({ status: z.literal('ok') }) },
        },
      },
      (_in, _req, res) => {
        res.json({ status: 'ok' });
      },
    ),
    endpoint(
      {
        method: 'get',
        path: '/readyz',
        summary: 'PostgreSQL and Temporal are reachable',
        tag: 'operations',
        access: 'public',
        responses: {
          200: { description: 'Ready.', schema: readiness },
          503: { description: 'Not ready: the checks say which.', schema: readiness },
        },
      },
      async (_in, _req, res) => {
        // A probe answers in seconds: an unreachable Temporal is a 'no', not a hang.
        const [postgres, temporal] = await Promise.allSettled([
          db.execute(sql`select 1`),
          client.withDeadline(Date.now() + READINESS_TIMEOUT_MS, () =>
            client.connection.workflowService.getSystemInfo({}),
          ),
        ]);
        const checks = {
          postgres: postgres.status === 'fulfilled' ? ('ok' as const) : ('unreachable' as const),
          temporal: temporal.status === 'fulfilled' ? ('ok' as const) : ('unreachable' as const),
        };
        const ready = checks.postgres === 'ok' && checks.temporal === 'ok';
        res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
      },
    ),
  ];
}
