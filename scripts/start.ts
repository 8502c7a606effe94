import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signShopperToken } from '../api/shopper-token.ts';
import { launchStack, type Stack } from './stack/launch.ts';

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

let stack: Stack | undefined;
let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    step('stopping');
    await stack?.stop();
  }
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopAll(0));
}

try {
  stack = await launchStack({
    dataDir,
    ports,
    step,
    onUnexpectedExit: (name, output) => {
      console.error(`${name} stopped unexpectedly:\n${output.slice(-3000)}`);
      void stopAll(1);
    },
  });
  const { urls, secrets, shop } = stack;
  const shopperToken = signShopperToken(secrets.shopperTokenSecret, { userId: 'demo' }, 86_400);
  const envFile = join(dataDir, 'stack.env');
  await writeFile(
    envFile,
    [
      `export ROSE_API=${urls.api}`,
      `export ROSE_SERVICE_TOKEN=${secrets.serviceToken}`,
      `export ROSE_SHOPPER=${shopperToken}`,
      `export ROSE_PAGE=${shop.pageId}`,
      `export ROSE_PRODUCT=${shop.products[0]!.id}`,
      `export ROSE_SLOT=${shop.slotId}`,
      `export ROSE_ENTRY=${shop.entryId}`,
      `export ROSE_TICKET_TYPE=${shop.ticketTypeId}`,
      `export ROSE_EMULATOR=${urls.emulator}`,
      // What `npm run ops` needs to reach and read this stack's workflows.
      `export TEMPORAL_ADDRESS=${stack.temporalAddress}`,
      `export PAYLOAD_CODEC_KEYS=${secrets.payloadCodecKeys}`,
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
  Logs             ${join(dataDir, 'logs')}

Demo shop: page ${shop.pageId}, ${shop.products.length} products, a bookable room (slot ${shop.slotId})
and a gig with ${shop.seats} seats (entry ${shop.entryId}, ticket type ${shop.ticketTypeId}).
Credentials for curl: source ${envFile}   (then follow "Try it" in README.md)
stack ready`);
} catch (error) {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
