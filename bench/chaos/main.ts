import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runChaos } from './run.ts';

// `npm run chaos`: a bounded chaos run against the real stack (see run.ts), its figures, and
// exit 1 on any violation of the money invariant. CHAOS_CHECKOUTS (200), CHAOS_CONCURRENCY
// (50), CHAOS_KILL_EVERY_MS (4000), CHAOS_FAULT_RATE (0.2), CHAOS_EXPIRY_MS (60000).
const size = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
Runtime.install({ logger: new DefaultLogger('WARN') });
// Ctrl-C: exit, and the stack's processes are killed on the way out (scripts/stack/).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const report = await runChaos({
  checkouts: size('CHAOS_CHECKOUTS', 200),
  concurrency: size('CHAOS_CONCURRENCY', 50),
  killEveryMs: size('CHAOS_KILL_EVERY_MS', 4_000),
  faultRate: size('CHAOS_FAULT_RATE', 0.2),
  expiryMs: size('CHAOS_EXPIRY_MS', 60_000),
  log: (line) => console.error(`  ${line}`),
});
const { violations, ...figures } = report;
console.log(JSON.stringify(figures, null, 2));
if (violations.length > 0) {
  console.log(`\n${violations.length} violations:\n  ${violations.join('\n  ')}`);
  process.exit(1);
}
console.log('\n0 violations');
process.exit(0);
