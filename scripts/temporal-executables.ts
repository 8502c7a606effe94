import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ServerExecutable = { type: 'existing-path'; path: string } | undefined;

function run(script: string): ServerExecutable {
  const path = execFileSync('bash', [fileURLToPath(new URL(script, import.meta.url))], {
    encoding: 'utf8',
    // Build progress goes to stderr, so a long first build is not silent.
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return path ? { type: 'existing-path', path } : undefined;
}

/**
 * The Temporal CLI dev server, found or built by scripts/temporal-cli.sh. Undefined means
 * "let @temporalio/testing download it", which works only with internet access.
 */
export const temporalCliExecutable = (): ServerExecutable => run('./temporal-cli.sh');

/** Temporal's time-skipping test server (Java), fetched by scripts/temporal-test-server.sh. */
export const temporalTestServerExecutable = (): ServerExecutable =>
  run('./temporal-test-server.sh');
