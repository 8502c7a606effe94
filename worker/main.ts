import { startTracing } from '../observability/tracing.ts';

// The worker process. Tracing starts first, so that what it instruments (pg, fetch) is
// loaded after it; the process itself is worker/run.ts.
const tracing = startTracing('rose-checkout-worker');
const { run } = await import('./run.ts');
await run(tracing);
