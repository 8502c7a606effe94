import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import express from 'express';
import type { Database } from '../../db/client.ts';

/** Liveness says the process answers; readiness that PostgreSQL and Temporal do too. */
export function healthRoutes(db: Database, client: Client): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, temporal] = await Promise.allSettled([
      db.execute(sql`select 1`),
      client.connection.workflowService.getSystemInfo({}),
    ]);
    const checks = {
      postgres: postgres.status === 'fulfilled' ? 'ok' : 'unreachable',
      temporal: temporal.status === 'fulfilled' ? 'ok' : 'unreachable',
    };
    const ready = Object.values(checks).every((c) => c === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  return router;
}
