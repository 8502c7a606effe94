import { createServer } from 'node:net';
import type { StackPorts } from '../../scripts/stack/launch.ts';

/** A TCP port on loopback that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port assigned')),
      );
    });
  });
}

/** A free port for each process of a stack that `scripts/stack/launch.ts` starts. */
export async function freeStackPorts(): Promise<StackPorts> {
  return {
    api: await freePort(),
    temporal: await freePort(),
    temporalUi: await freePort(),
    emulator: await freePort(),
    postgres: await freePort(),
    workerMetrics: await freePort(),
  };
}
