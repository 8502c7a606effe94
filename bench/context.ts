import type { Database } from '../db/client.ts';
import type { Stack } from '../scripts/stack/launch.ts';
import type { storefront } from './storefront.ts';

/** What every scenario gets: the running stack, our database, and the storefront's client. */
export interface BenchContext {
  stack: Stack;
  db: Database;
  api: ReturnType<typeof storefront>;
  log: (text: string) => void;
  /** CPU seconds used so far by each process of the stack, and by `extra` processes too. */
  cpuSeconds(extra?: Record<string, number>): Record<string, number>;
  /** Which Temporal runs the stack: the dev server, or the full server (BENCH_ENGINE=server). */
  engine: 'dev' | 'server';
}

export type Figures = Record<string, number | string | boolean>;

export interface ScenarioResult {
  id: string;
  title: string;
  figures: Figures;
  /** Each target, as said in the issue, and whether it was reached. */
  targets: { name: string; reached: boolean }[];
  /** CPU seconds each process of the stack used during the scenario (added by main.ts). */
  cpuSeconds?: Record<string, number>;
}
