import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import SumUp from '@sumup/sdk';
import { startSumupEmulator, type RunningEmulator } from '../../sumup-emulator/emulator.ts';
import { SpecValidator, specAvailable } from './spec.ts';

export const MERCHANT = {
  apiKey: 'sup_sk_test_hall_0123456789',
  merchantCode: 'MHALL01',
  merchantName: 'The Hall',
};
export const OTHER_MERCHANT = {
  apiKey: 'sup_sk_test_shop_9876543210',
  merchantCode: 'MSHOP02',
  merchantName: 'The Shop',
};

/** Records what SumUp POSTs to our webhook; can be told to answer 500 for a while. */
export class WebhookReceiver {
  readonly received: { body: unknown; at: number }[] = [];
  failNext = 0;
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        if (receiver.failNext > 0) {
          receiver.failNext -= 1;
          res.writeHead(500).end();
          return;
        }
        receiver.received.push({ body: JSON.parse(raw) as unknown, at: Date.now() });
        res.writeHead(204).end();
        receiver.waiters = receiver.waiters.filter((w) => {
          if (receiver.received.length < w.count) return true;
          w.resolve();
          return false;
        });
      });
    });
    const receiver = new WebhookReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/webhooks/sumup`;
  }

  /** Resolves once `count` deliveries have been accepted in all. */
  receivedAtLeast(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface SumupFixture {
  emulator: RunningEmulator;
  /** Validates every API answer against SumUp's spec; undefined when the spec is absent. */
  spec: SpecValidator | undefined;
  receiver: WebhookReceiver;
  sdk(apiKey?: string): SumUp;
  control(path: string, body?: unknown, method?: string): Promise<Response>;
  close(): Promise<void>;
}

export async function startSumupFixture(
  options: { webhookCompression?: number } = {},
): Promise<SumupFixture> {
  const spec = specAvailable ? new SpecValidator() : undefined;
  const emulator = await startSumupEmulator({
    accounts: [MERCHANT, OTHER_MERCHANT],
    webhookCompression: options.webhookCompression ?? 600,
    ...(spec ? { onApiResponse: (r) => spec.check(r) } : {}),
  });
  const receiver = await WebhookReceiver.start();
  return {
    emulator,
    spec,
    receiver,
    sdk: (apiKey = MERCHANT.apiKey) =>
      new SumUp({ apiKey, host: emulator.url, maxRetries: 0, timeout: 5_000 }),
    control: (path, body, method = 'POST') =>
      fetch(`${emulator.url}/_emulator${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    async close() {
      await emulator.close();
      await receiver.close();
    },
  };
}
