import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

// The tools that npm cannot install, each found or installed by its own script in scripts/
// and cached (under ~/.cache/rose-checkout, or by apt). A script prints the tool's path on
// stdout and its progress on stderr; it exits non-zero, with the reason as its last line,
// when it cannot provide the tool here.

export interface ToolSpec {
  script: string;
  /** What a newcomer runs to get it by hand, when the script cannot. */
  installBy: string;
}

export const tools = {
  /** Runs the tests' Temporal dev server and `npm start`'s. */
  'temporal-cli': {
    script: 'temporal-cli.sh',
    installBy: 'install Go (https://go.dev/dl), or set TEMPORAL_CLI_PATH',
  },
  /** Temporal's time-skipping test server (Java), for the tests with long timers. */
  'temporal-test-server': {
    script: 'temporal-test-server.sh',
    installBy: 'apt-get install -y openjdk-17-jre-headless maven',
  },
  /** Docker Compose v2, which checks docker-compose.yml without a Docker engine. */
  'docker-compose': {
    script: 'docker-compose.sh',
    installBy:
      'install Go (https://go.dev/dl) and run bash scripts/docker-compose.sh, or set DOCKER_COMPOSE_PATH',
  },
  /** Python with PyJWT: the tests sign shopper tokens as a Python storefront would. */
  'python-jwt': {
    script: 'python-jwt.sh',
    installBy: 'apt-get install -y python3-venv, then bash scripts/python-jwt.sh',
  },
  /** Debian's Chromium, for the real-browser tests. */
  chromium: {
    script: 'chromium.sh',
    installBy: 'apt-get install -y chromium, or set CHROMIUM_PATH',
  },
} satisfies Record<string, ToolSpec>;

/** Tools only the bench needs, provisioned when it runs rather than by `npm test`. */
export const benchTools = {
  /** The full Temporal server and its schema tool, for `BENCH_ENGINE=server npm run bench`. */
  'temporal-server': {
    script: 'temporal-server.sh',
    installBy: 'install Go (https://go.dev/dl), then bash scripts/temporal-server.sh',
  },
} satisfies Record<string, ToolSpec>;

/** What `npm test` provisions. */
export type TestToolName = keyof typeof tools;
export type ToolName = TestToolName | keyof typeof benchTools;
const allTools: Record<ToolName, ToolSpec> = { ...tools, ...benchTools };

/** A tool's path, or why there is none (one line that says how to install it). */
export type Provisioned =
  { path: string; missing?: undefined } | { path?: undefined; missing: string };

/**
 * Finds or installs one tool, streaming its script's progress to stderr line by line, each
 * line prefixed with the tool's name so that tools provisioned side by side stay readable.
 */
export function provision(name: ToolName, env = process.env): Promise<Provisioned> {
  const script = fileURLToPath(new URL(allTools[name].script, import.meta.url));
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let lastLine = '';
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    // Maven colours even its quiet output: keep the words, drop the escapes.
    const lines = stripVTControlCharacters(partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines.filter((l) => l.trim())) {
      lastLine = line;
      process.stderr.write(`[${name}] ${line}\n`);
    }
  });
  return new Promise((resolve) => {
    child.once('error', (error) =>
      resolve({ missing: `${name} is missing (${error.message}): ${allTools[name].installBy}` }),
    );
    child.once('close', (code) => {
      if (partial.trim()) {
        lastLine = partial;
        process.stderr.write(`[${name}] ${partial}\n`);
      }
      const path = stdout.trim().split('\n').pop();
      if (code === 0 && path) resolve({ path });
      else
        resolve({
          missing: `${name} is missing${lastLine ? ` (${lastLine.trim()})` : ''}: ${allTools[name].installBy}`,
        });
    });
  });
}

/** The tool's path, or an error whose message is the one line saying how to install it. */
export function required(name: ToolName, provisioned: Provisioned | undefined): string {
  if (provisioned?.path) return provisioned.path;
  throw new Error(provisioned?.missing ?? `${name} was not provisioned`);
}
