import type { Incarnation } from './processes.ts';

/**
 * How a process of the stack is restarted: after a delay that doubles from `firstDelayMs` up
 * to `maxDelayMs`, until it has died `maxDeaths` times within `windowMs`; then the supervisor
 * gives up, and the stack stops, naming it.
 */
export interface RestartPolicy {
  maxDeaths: number;
  windowMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxDeaths: 5,
  windowMs: 60_000,
  firstDelayMs: 500,
  maxDelayMs: 8_000,
};

export interface Supervised {
  name: string;
  /** The running incarnation's pid (undefined while it is between two). */
  pid(): number | undefined;
  /** How many times it has been restarted. */
  restarts(): number;
  /** Stops it and its supervision; a restart waiting or in progress is called off. */
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  /** Prints a line about the process (its death, its restart) for the one who runs the stack. */
  say: (line: string) => void;
  /** Called once when it keeps dying: the caller stops the stack. */
  giveUp: (name: string, why: string, output: string) => void;
  policy?: RestartPolicy;
}

/**
 * Starts a process and restarts it whenever it dies on its own. The first start's failure is
 * the caller's (nothing came up); a restart that fails to start counts as one more death.
 */
export async function supervise(
  name: string,
  start: () => Promise<Incarnation>,
  options: SupervisorOptions,
): Promise<Supervised> {
  const policy = options.policy ?? DEFAULT_RESTART_POLICY;
  let current: Incarnation | undefined = await start();
  let stopping = false;
  let restarts = 0;
  let wake = () => {};
  const deaths: number[] = [];

  const watch = async (first: Incarnation) => {
    let incarnation = first;
    for (;;) {
      const how = await incarnation.ended;
      current = undefined;
      if (stopping) return;
      const now = Date.now();
      deaths.push(now);
      while (deaths[0]! <= now - policy.windowMs) deaths.shift();
      if (deaths.length >= policy.maxDeaths) {
        options.giveUp(
          name,
          `${name} died ${deaths.length} times within ${policy.windowMs / 1000} s (last: ${how}); not restarting it`,
          incarnation.output(),
        );
        return;
      }
      const delay = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (deaths.length - 1));
      options.say(`${name} stopped unexpectedly (${how}); restarting it in ${delay} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopping) return;
      restarts += 1;
      try {
        incarnation = await start();
        // Stopped while it was starting: nobody else will stop this one.
        if (stopping) return await incarnation.stop();
        current = incarnation;
        options.say(`${name} restarted (pid ${incarnation.pid}, restart ${restarts})`);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        incarnation = {
          pid: undefined,
          ended: Promise.resolve(`failed to start: ${why.split('\n')[0]}`),
          output: () => why,
          stop: () => Promise.resolve(),
        };
      }
    }
  };
  const watching = watch(current);

  return {
    name,
    pid: () => current?.pid,
    restarts: () => restarts,
    async stop() {
      stopping = true;
      wake();
      await current?.stop();
      await watching;
    },
  };
}
