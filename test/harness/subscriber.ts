import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** What this subscriber answered: a status, or `hang` (no answer until the sender gives up). */
  answer: number | 'hang';
}

/**
 * A real HTTP subscriber on loopback: it records every request, and answers each with the
 * next of `script` (then 204), so a test can make it fail, hang or say 410.
 */
export async function startSubscriber(script: (number | 'hang')[] = []) {
  const received: Received[] = [];
  const answers = [...script];
  const hanging = new Set<() => void>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const answer = answers.shift() ?? 204;
      received.push({ headers: req.headers, body, answer });
      if (answer === 'hang') {
        const end = () => res.destroy();
        hanging.add(end);
        res.on('close', () => hanging.delete(end));
        return;
      }
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    received,
    /** Answers the following requests with these (instead of what was left), then 204. */
    script: (...next: (number | 'hang')[]) => answers.splice(0, answers.length, ...next),
    close: async () => {
      for (const end of hanging) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
