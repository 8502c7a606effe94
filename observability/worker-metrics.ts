import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';

// The worker's `/metrics`: what the Temporal SDK's core measures (its own Prometheus
// exporter, on a loopback port only this process reads) and the Node process's own metrics
// from prom-client (CPU, memory, event-loop lag, GC), in one scrape at WORKER_METRICS_ADDRESS.

/** A free loopback port for the SDK's exporter, which wants a fixed address. */
export function loopbackAddress(): Promise<string> {
  const probe = createServer();
  return new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(`127.0.0.1:${port}`));
    });
  });
}

/** Serves `/metrics` at `address` (`host:port`): the SDK's series, then the process's. */
export async function serveWorkerMetrics(address: string, sdkAddress: string): Promise<Server> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    Promise.all([
      fetch(`http://${sdkAddress}/metrics`).then((r) => r.text()),
      registry.metrics(),
    ]).then(
      ([sdk, process]) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(`${sdk.endsWith('\n') || sdk === '' ? sdk : `${sdk}\n`}${process}`);
      },
      () => res.writeHead(503).end(),
    );
  });
  const separator = address.lastIndexOf(':');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(address.slice(separator + 1)), address.slice(0, separator), resolve);
  });
  return server;
}
