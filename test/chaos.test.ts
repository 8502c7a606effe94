import { describe, expect, it } from 'vitest';
import { runChaos } from '../bench/chaos/run.ts';

// `npm run chaos`, small: the whole stack, its worker killed every few seconds, Temporal and
// PostgreSQL killed once each, a fifth of SumUp's answers failing; then the money invariant,
// and every event delivered to a subscriber.

describe('a small chaos run', () => {
  it('keeps the money right: every payment confirmed or refunded once, no seat oversold, nothing left hanging', async () => {
    const lines: string[] = [];
    const report = await runChaos({
      checkouts: 30,
      concurrency: 15,
      killEveryMs: 3_000,
      faultRate: 0.2,
      expiryMs: 15_000,
      log: (line) => lines.push(line),
    });
    expect(report.violations, lines.join('\n')).toEqual([]);
    expect(report.kills.worker).toBeGreaterThanOrEqual(3);
    expect([report.kills.temporal, report.kills.postgres]).toEqual([1, 1]);
    expect(report.sumupFaults).toBeGreaterThan(0);
    expect(report.paidAtSumup).toBeGreaterThan(0);
    expect(report.sweeperFound).toBe(0);
    // Events went out through the kills too, none lost (a violation otherwise).
    expect(report.eventsDelivered).toBeGreaterThan(30);
  }, 240_000);
});
