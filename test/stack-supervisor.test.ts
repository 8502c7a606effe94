import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess } from '../scripts/stack/processes.ts';
import { supervise, type RestartPolicy } from '../scripts/stack/supervisor.ts';

// The supervisor of `npm start`, on real processes: a restart after a death, the backoff,
// giving up on a process that keeps dying, and a stop that calls off a pending restart.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rose-checkout-test-supervisor-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const node = (name: string, code: string) => () =>
  Promise.resolve(
    startProcess(name, process.execPath, ['-e', code], {
      env: process.env,
      cwd: dir,
      logFile: join(dir, `${name}.log`),
    }),
  );
const fast: RestartPolicy = { maxDeaths: 3, windowMs: 60_000, firstDelayMs: 20, maxDelayMs: 50 };
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the stack supervisor', () => {
  it('restarts a process killed with SIGKILL, says so, and stops it for good on stop()', async () => {
    const said: string[] = [];
    const gaveUp: string[] = [];
    const sleeper = await supervise('sleeper', node('sleeper', 'setInterval(() => {}, 1000)'), {
      say: (line) => said.push(line),
      giveUp: (name) => gaveUp.push(name),
      policy: fast,
    });
    const first = sleeper.pid()!;
    process.kill(first, 'SIGKILL');
    await expect.poll(() => sleeper.restarts() === 1 && sleeper.pid() !== undefined).toBe(true);
    const second = sleeper.pid()!;
    expect(second).not.toBe(first);
    expect(said).toEqual([
      'sleeper stopped unexpectedly (signal SIGKILL); restarting it in 20 ms',
      `sleeper restarted (pid ${second}, restart 1)`,
    ]);
    await sleeper.stop();
    expect(alive(second)).toBe(false);
    expect(sleeper.restarts()).toBe(1);
    expect(gaveUp).toEqual([]);
  });

  it('gives up on a process that keeps dying, naming it, after backing off each time', async () => {
    const said: string[] = [];
    let resolve: (why: [string, string, string]) => void = () => {};
    const gaveUp = new Promise<[string, string, string]>((done) => (resolve = done));
    const crasher = await supervise(
      'crasher',
      node('crasher', 'console.log("cannot start"); process.exit(3)'),
      { say: (line) => said.push(line), giveUp: (...why) => resolve(why), policy: fast },
    );
    const [name, why, output] = await gaveUp;
    expect(name).toBe('crasher');
    expect(why).toBe('crasher died 3 times within 60 s (last: exit code 3); not restarting it');
    expect(output).toContain('cannot start');
    expect(said.filter((line) => line.includes('restarting it'))).toEqual([
      'crasher stopped unexpectedly (exit code 3); restarting it in 20 ms',
      'crasher stopped unexpectedly (exit code 3); restarting it in 40 ms',
    ]);
    expect(crasher.restarts()).toBe(2);
    await crasher.stop();
  });

  it('calls off a restart that is waiting when the stack stops', async () => {
    const said: string[] = [];
    const slow: RestartPolicy = { ...fast, firstDelayMs: 60_000, maxDelayMs: 60_000 };
    const once = await supervise('once', node('once', 'setTimeout(() => process.exit(1), 50)'), {
      say: (line) => said.push(line),
      giveUp: () => {},
      policy: slow,
    });
    await expect.poll(() => said.length).toBe(1);
    await once.stop();
    expect(once.restarts()).toBe(0);
    expect(once.pid()).toBeUndefined();
  });
});
