import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signShopperToken } from '../api/shopper-token.ts';
import { launchStack } from './stack/launch.ts';

// `npm start`: the whole stack on this machine, offline. Everything it starts, it stops on
// Ctrl-C; the data folder keeps PostgreSQL, Temporal's SQLite file and the local secrets.
const root = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const dataDir = resolve(env.ROSE_DATA_DIR ?? join(root, '.data'));
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);
const ports = {
  api: port('PORT', 3000),
  temporal: port('TEMPORAL_PORT', 7233),
  temporalUi: port('TEMPORAL_UI_PORT', 8233),
  emulator: port('SUMUP_EMULATOR_PORT', 4010),
  postgres: port('EMBEDDED_PG_PORT', 5433),
  workerMetrics: port('WORKER_METRICS_PORT', 9464),
};
const step = (text: string) => console.log(`\u2022 ${text}`);

const launching = new AbortController();
const launched = launchStack({
  dataDir,
  ports,
  step,
  signal: launching.signal,
  ...(env.ROSE_DEMO_SUBSCRIBER === '1'
    ? { demoSubscriberPort: port('DEMO_SUBSCRIBER_PORT', 4020) }
    : {}),
  onGiveUp: (name, why, output) => {
    console.error(`${why}; its last output (all of it in ${join(dataDir, 'logs')}):`);
    console.error(output.slice(-3000));
    console.error(`npm start stopped: ${name} keeps dying`);
    void stopAll(1);
  },
});
let stopping: Promise<never> | undefined;
/** Stops every process of the stack, in order (the API first, PostgreSQL last), then exits. */
function stopAll(code: number): Promise<never> {
  stopping ??= (async () => {
    step('stopping (Ctrl-C again to stop at once)');
    // Still coming up: the launch stops what it started, then rejects.
    launching.abort();
    const stack = await launched.catch(() => undefined);
    await stack?.stop();
    process.exit(code);
  })();
  return stopping;
}
// Ctrl-C (or SIGTERM, or the terminal closing) stops everything in order; a second one stops
// at once: the processes still running are killed on the way out (processes.ts).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130);
    void stopAll(0);
  });
}

try {
  const stack = await launched;
  const { urls, secrets, shop } = stack;
  const shopperToken = await signShopperToken(
    secrets.shopperTokenSecret,
    { userId: 'demo' },
    { ttlSeconds: 86_400 },
  );
  // Everything a shell needs to script against this stack: the API and its credentials, the
  // database, Temporal (for `npm run ops`), and the demo shop's ids.
  const envFile = join(dataDir, 'stack.env');
  await writeFile(
    envFile,
    [
      `export ROSE_API=${urls.api}`,
      `export ROSE_SERVICE_TOKEN=${secrets.serviceToken}`,
      `export ROSE_ADMIN_TOKEN=${secrets.adminToken}`,
      `export ROSE_SHOPPER=${shopperToken}`,
      `export ROSE_PAGE=${shop.pageId}`,
      `export ROSE_PRODUCT=${shop.products[0]!.id}`,
      `export ROSE_SLOT=${shop.slotId}`,
      `export ROSE_ENTRY=${shop.entryId}`,
      `export ROSE_TICKET_TYPE=${shop.ticketTypeId}`,
      `export ROSE_EMULATOR=${urls.emulator}`,
      `export DATABASE_URL=${stack.databaseUrl}`,
      // What `npm run ops` needs to reach and read this stack's workflows.
      `export TEMPORAL_ADDRESS=${stack.temporalAddress}`,
      `export PAYLOAD_CODEC_KEYS=${secrets.payloadCodecKeys}`,
      // And its event subscribers (`npm run ops -- subscribers …`).
      `export CREDENTIALS_KEYS=${secrets.credentialsKeys}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  console.log(`
rose-checkout is running. Ctrl-C stops everything; the data stays in ${dataDir}.

  API              ${urls.api}   (docs: ${urls.api}/docs)
  Temporal UI      ${urls.temporalUi}
  SumUp emulator   ${urls.emulator}
  Worker metrics   ${urls.workerMetrics}   (API: ${urls.api}/metrics)
  Logs             ${join(dataDir, 'logs')}${
    stack.processes.subscriber
      ? `\n  Events           the demo subscriber logs each one to ${join(dataDir, 'logs', 'subscriber.log')}`
      : ''
  }

Demo shop: page ${shop.pageId}, ${shop.products.length} products, a bookable room (slot ${shop.slotId})
and a gig with ${shop.seats} seats (entry ${shop.entryId}, ticket type ${shop.ticketTypeId}).
Credentials for curl: source ${envFile}   (then follow "Try it" in README.md;
a shopper's token: npm run -s shopper-token -- user:42)
stack ready`);
} catch (error) {
  if (!stopping) {
    console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll(1);
  }
}
