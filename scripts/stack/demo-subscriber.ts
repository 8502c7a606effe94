import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

// `ROSE_DEMO_SUBSCRIBER=1 npm start`: a subscriber of our events, as another service would
// be, that checks each delivery's signature and logs what arrived (logs/subscriber.log).

const port = Number(process.env.DEMO_SUBSCRIBER_PORT ?? 4020);
const secret = process.env.EVENT_SUBSCRIBER_SECRET;
if (!secret) throw new Error('EVENT_SUBSCRIBER_SECRET is not set');
const webhook = new Webhook(secret);

createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    try {
      const event = webhook.verify(body, req.headers as Record<string, string>) as {
        type: string;
        data: { order?: { orderId: number; status: string } };
      };
      console.log(
        JSON.stringify({
          msg: 'event',
          id: req.headers['webhook-id'],
          type: event.type,
          orderId: event.data.order?.orderId,
          status: event.data.order?.status,
        }),
      );
      res.writeHead(204).end();
    } catch (error) {
      console.log(JSON.stringify({ msg: 'refused', error: (error as Error).message }));
      res.writeHead(400).end();
    }
  });
}).listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'demo subscriber listening', port }));
});
