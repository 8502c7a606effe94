import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { connect } from 'node:net';

export interface StackProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed so far (also kept in its log file). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a process of the stack, its output going to `logFile`. */
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
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const stopped = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref()),
        ]);
        if (!stopped) child.kill('SIGKILL');
        await exited;
      }
      log.end();
    },
  };
}

/** Resolves when `ready()` holds, rejects when the process dies or `timeoutMs` passes. */
export async function waitUntil(
  process: StackProcess,
  what: string,
  ready: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
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
