/** The q-th percentile (0–100) by nearest rank; NaN for no samples. */
export function percentile(samples: number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once, timing each. */
export async function runConcurrently<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<{ results: T[]; latenciesMs: number[]; elapsedMs: number }> {
  const results: T[] = new Array<T>(count);
  const latenciesMs: number[] = new Array<number>(count);
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      results[i] = await task(i);
      latenciesMs[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { results, latenciesMs, elapsedMs: performance.now() - started };
}
