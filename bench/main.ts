import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectDatabase } from '../db/client.ts';
import { launchStack, type Stack } from '../scripts/stack/launch.ts';
import { freePort, freeStackPorts } from '../test/harness/free-port.ts';
import type { BenchContext, ScenarioResult } from './context.ts';
import { contention } from './scenarios/contention.ts';
import { openCheckouts } from './scenarios/open-checkouts.ts';
import { hotSql } from './scenarios/hot-sql.ts';
import { openLoop } from './scenarios/open-loop.ts';
import { throughput } from './scenarios/throughput.ts';
import { timeToHostedUrl } from './scenarios/time-to-hosted-url.ts';
import { webhookToConfirmed } from './scenarios/webhook-to-confirmed.ts';
import { cpuSecondsByTree } from './process-usage.ts';
import { round } from './stats.ts';
import { storefront } from './storefront.ts';

// `npm run bench [-- P1,P3 …]`: the real stack on this machine (PostgreSQL, the Temporal dev
// server, the SumUp emulator, the worker and the API, each its own process), the scenarios
// of the benchmark issue against it, a table, and the figures as JSON in reports/bench/.
const only = new Set((process.argv[2] ?? 'P1,P2,P3,P4,P5,P6,P7').split(','));
const size = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const log = (text: string) => console.error(`  ${text}`);
Runtime.install({ logger: new DefaultLogger('WARN') });

const engine = process.env.BENCH_ENGINE === 'server' ? 'server' : 'dev';
const profileDir = join(process.cwd(), 'reports', 'bench', 'profiles');
const dataDir = await mkdtemp(join(tmpdir(), 'rose-checkout-bench-'));
let stack: Stack | undefined;
const results: ScenarioResult[] = [];
// Ctrl-C mid-run: stop the stack's processes too, which would otherwise outlive the bench.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log('stopping');
    void Promise.resolve(stack?.stop()).finally(() => process.exit(130));
  });
}
try {
  stack = await launchStack({
    dataDir,
    ports: await freeStackPorts(),
    // Production settings, but logs at warn: a line per state per checkout is not the load.
    env: { LOG_LEVEL: 'warn' },
    // The dev server's SQLite writes one at a time, each synced to disk: on a slow disk that
    // alone serialises every checkout. BENCH_TEMPORAL_DB=/dev/shm/x.sqlite takes it out.
    ...(process.env.BENCH_TEMPORAL_DB ? { temporalDbFile: process.env.BENCH_TEMPORAL_DB } : {}),
    // BENCH_ENGINE=server: the full Temporal server on PostgreSQL, as Compose runs it, in
    // place of the dev server.
    temporalEngine: engine,
    // BENCH_CPU_PROFILE=1: the worker, API and emulator write V8 CPU profiles when they stop.
    ...(process.env.BENCH_CPU_PROFILE ? { cpuProfileDir: profileDir } : {}),
    step: log,
    // Events go out to a subscriber, as in production: P3 reports their delivery lag.
    demoSubscriberPort: await freePort(),
    // A restarted process would measure its own recovery: the first death ends the bench.
    restartPolicy: { maxDeaths: 1, windowMs: 60_000, firstDelayMs: 0, maxDelayMs: 0 },
    onGiveUp: (name, why, output) => {
      console.error(`${why}:\n${output.slice(-3000)}`);
      void Promise.resolve(stack?.stop()).finally(() => process.exit(1));
    },
  });
  const database = connectDatabase(stack.databaseUrl, { max: 20, applicationName: 'bench' });
  // PostgreSQL is counted as what is left of this process's descendants.
  const roots = Object.fromEntries(
    Object.entries(stack.processes)
      .filter(([name]) => name !== 'postgres')
      .map(([name, process]) => [name, process.pid()!]),
  );
  const ctx: BenchContext = {
    stack,
    db: database.db,
    api: storefront(stack),
    log,
    cpuSeconds: (extra = {}) => cpuSecondsByTree({ ...roots, ...extra }),
    engine,
  };
  try {
    // Each scenario's figures, with the CPU time each process spent on it.
    const measure = async (scenario: () => Promise<ScenarioResult>) => {
      const before = ctx.cpuSeconds();
      const result = await scenario();
      const after = ctx.cpuSeconds();
      result.cpuSeconds = Object.fromEntries(
        Object.keys(after).map((name) => [name, round(after[name]! - (before[name] ?? 0))]),
      );
      results.push(result);
    };
    if (only.has('P1') || only.has('P2')) {
      let paidLater: { orderId: number; hostedCheckoutUrl: string }[] = [];
      const p1 = () =>
        timeToHostedUrl(ctx, {
          shoppers: size('BENCH_P1_SHOPPERS', 50),
          rounds: size('BENCH_P1_ROUNDS', 4),
        }).then(({ paidLater: started, ...figures }) => {
          paidLater = started;
          return figures;
        });
      if (only.has('P1')) await measure(p1);
      else await p1();
      if (only.has('P2')) {
        await measure(() => webhookToConfirmed(ctx, paidLater, { concurrentPayments: 5 }));
      }
    }
    if (only.has('P3')) {
      await measure(() =>
        throughput(ctx, {
          checkouts: size('BENCH_P3_CHECKOUTS', 400),
          concurrency: size('BENCH_P3_CONCURRENCY', 50),
        }),
      );
    }
    if (only.has('P6')) {
      await measure(() =>
        openLoop(ctx, {
          rates: (process.env.BENCH_P6_RATES ?? '10,15,20,30,40,60,90,120').split(',').map(Number),
          seconds: size('BENCH_P6_SECONDS', 15),
          drainSeconds: size('BENCH_P6_DRAIN_SECONDS', 30),
        }),
      );
    }
    if (only.has('P7')) {
      await measure(() => hotSql(ctx, { queries: size('BENCH_P7_QUERIES', 5000) }));
    }
    if (only.has('P5')) {
      await measure(() =>
        contention(ctx, {
          shoppers: size('BENCH_P5_SHOPPERS', 1000),
          seats: size('BENCH_P5_SEATS', 100),
          concurrency: size('BENCH_P5_CONCURRENCY', 1000),
        }),
      );
    }
    // The 10,000 takes about 20 minutes here; by default the run stays a few minutes
    // long (BENCH_P4_CHECKOUTS=10000 npm run bench -- P4 for the full size).
    if (only.has('P4')) {
      await measure(() =>
        openCheckouts(ctx, {
          checkouts: size('BENCH_P4_CHECKOUTS', 1_000),
          concurrency: size('BENCH_P4_CONCURRENCY', 100),
          probes: size('BENCH_P4_PROBES', 400),
        }),
      );
    }
  } finally {
    await database.close();
  }
} finally {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
}

const report = {
  at: new Date().toISOString(),
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  results,
};
await mkdir('reports/bench', { recursive: true });
const json = JSON.stringify(report, null, 2);
await writeFile('reports/bench/latest.json', json);
await writeFile(`reports/bench/${report.at.replace(/[:.]/g, '-')}.json`, json);

for (const result of results) {
  console.log(`\n${result.id}  ${result.title}`);
  for (const [name, value] of Object.entries(result.figures)) {
    console.log(`    ${name.padEnd(26)} ${value}`);
  }
  if (result.cpuSeconds) {
    const spent = Object.entries(result.cpuSeconds).map(([name, seconds]) => `${name} ${seconds}`);
    console.log(`    ${'CPU seconds'.padEnd(26)} ${spent.join(', ')}`);
  }
  for (const target of result.targets) {
    console.log(`    ${target.reached ? 'reached ' : 'MISSED  '} ${target.name}`);
  }
}
console.log('\nfigures written to reports/bench/latest.json');
