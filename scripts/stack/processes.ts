import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { connect, createServer } from 'node:net';

/** One run of a process of the stack: what the supervisor watches and restarts. */
export interface Incarnation {
  pid: number | undefined;
  /** Resolves when it has ended, saying how: `exit code 1`, `signal SIGKILL`. */
  ended: Promise<string>;
  /** Everything it printed so far (also kept in its log file). */
  output(): string;
  /** Asks it to stop (SIGTERM, so a worker drains), and kills it if it has not in 10 s. */
  stop(): Promise<void>;
}

export interface StackProcess extends Incarnation {
  name: string;
  child: ChildProcess;
}

const STOP_GRACE_MS = 10_000;

export const describeExit = (code: number | null, signal: NodeJS.Signals | null) =>
  signal ? `signal ${signal}` : `exit code ${code}`;

/**
 * Starts a process of the stack, its output going to `logFile`. It runs in a process group
 * of its own: a terminal's Ctrl-C reaches only `npm start`, which then stops the processes
 * in order (the API first, PostgreSQL last), so a draining worker still has its servers.
 * Should this process exit without stopping it, it is killed on the way out.
 */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string },
): StackProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
    log.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const ended = new Promise<string>((resolve) => {
    child.once('error', (error) => {
      process.off('exit', killOnExit);
      resolve(`failed to start: ${error.message}`);
    });
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      resolve(describeExit(code, signal));
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null && child.pid;
  return {
    name,
    child,
    pid: child.pid,
    ended,
    output: () => output,
    async stop() {
      if (running()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await ended;
        clearTimeout(timer);
      }
      log.end();
    },
  };
}

/** Resolves when `ready()` holds, rejects when the process dies, `timeoutMs` passes or `signal` aborts. */
export async function waitUntil(
  process: StackProcess,
  what: string,
  ready: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    if (process.child.exitCode !== null || process.child.signalCode !== null) {
      throw new Error(`${process.name} exited before ${what}:\n${process.output().slice(-4000)}`);
    }
    if (
      await Promise.resolve()
        .then(ready)
        .catch(() => false)
    )
      return;
    if (Date.now() > deadline) {
      throw new Error(`${process.name}: no ${what} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const portOpen = (port: number, host = '127.0.0.1') =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ port, host }, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export const answers = async (url: string, status = 200) => (await fetch(url)).status === status;

/**
 * A TCP port on loopback that was free a moment ago: any the system gives, or one below
 * `below` (the system's own come from above 32767), tried at random.
 */
export async function freePort(options: { below?: number } = {}): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const wanted = options.below
      ? 10_000 + Math.floor(Math.random() * (options.below - 10_000))
      : 0;
    try {
      return await listenOnce(wanted);
    } catch (error) {
      if (!options.below || attempt >= 50) throw error;
    }
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port assigned')),
      );
    });
  });
}
