import { startTracing } from '../observability/tracing.ts';

// The API process. Tracing starts first, so that what it instruments (HTTP, Express, pg)
// is loaded after it; the process itself is api/serve.ts.
const tracing = startTracing('rose-checkout-api');
const { serve } = await import('./serve.ts');
await serve(tracing);
