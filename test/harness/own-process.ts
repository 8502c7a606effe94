import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface OwnProcess {
  child: ChildProcess;
  /** Everything it wrote, stdout and stderr. */
  output: () => string;
}

/**
 * One of our processes (`worker/main.ts`, `api/main.ts`) as production runs it: Node itself
 * with tsx as its loader (the tsx launcher would run it as a child of its own, and a
 * SIGKILL to the launcher would leave that running), configured by `env` on top of this
 * process's. Resolves once its output holds `ready`; rejects if it exits first. `children`
 * collects it, for the test file to kill in the end.
 */
export function startOwnProcess(
  main: string,
  ready: string,
  env: Record<string, string>,
  children: ChildProcess[],
): Promise<OwnProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', () => {
      if (output.includes(ready)) resolve({ child, output: () => output });
    });
    child.on('exit', (code) =>
      reject(new Error(`${main} exited with ${code} before it was ready:\n${output}`)),
    );
  });
}
