import { Client, Connection } from '@temporalio/client';
import { connectDatabase } from '../db/client.ts';
import { applyMigrations } from '../db/migrate.ts';
import { createApp } from './app.ts';
import { readApiConfig } from './config.ts';

// The API process: migrate, connect, serve; on SIGTERM stop taking requests, then close.
const config = readApiConfig();
await applyMigrations(config.DATABASE_URL);
const database = connectDatabase(config.DATABASE_URL, { applicationName: 'rose-checkout-api' });
const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
const app = createApp({
  db: database.db,
  temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  auth: {
    serviceTokens: config.API_SERVICE_TOKENS,
    shopperTokenSecret: config.SHOPPER_TOKEN_SECRET,
  },
  rateLimits: {
    webhook: {
      perSecond: config.WEBHOOK_RATE_LIMIT_PER_SECOND,
      burst: config.WEBHOOK_RATE_LIMIT_BURST,
    },
    public: {
      perSecond: config.PUBLIC_RATE_LIMIT_PER_SECOND,
      burst: config.PUBLIC_RATE_LIMIT_BURST,
    },
  },
  metricsToken: config.METRICS_TOKEN,
});
const server = app.listen(config.PORT, config.HOST, () => {
  console.log(
    JSON.stringify({ msg: 'api listening', url: `http://${config.HOST}:${config.PORT}` }),
  );
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => {
      void Promise.all([connection.close(), database.close()]).then(() => process.exit(0));
    });
  });
}
