import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliTypeNames, searchAttributes } from '../workflows/search-attributes.ts';
import { toolPath } from './harness/tools.ts';

// docker-compose.yml checked the way `docker compose config` checks it: Compose v2 parses,
// validates and interpolates the file without a Docker engine. The binary comes from
// scripts/docker-compose.sh, which the run's global setup calls (DOCKER_COMPOSE_PATH, its
// cached build, or a build with Go); without one, this file fails saying how to get one.

const root = fileURLToPath(new URL('..', import.meta.url));
const composeFile = join(root, 'docker-compose.yml');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
let composeBinary: string;
beforeAll(() => {
  composeBinary = toolPath('docker-compose');
});

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  deploy?: { replicas?: number };
  profiles?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string; required: boolean }>;
  ports?: { target: number; published?: string; host_ip?: string }[];
  container_name?: string;
  volumes?: { type: string; source?: string; target: string }[];
}
interface Project {
  name: string;
  services: Record<string, Service>;
}

/** Dummy values for the secrets the file requires; nothing else comes from outside. */
const REQUIRED = {
  API_SERVICE_TOKENS: 'storefront-token-a,storefront-token-b',
};

/**
 * `docker compose config`, in an environment of our own: neither the shell's variables nor a
 * developer's .env (`--env-file /dev/null`) can stand in for what the file must provide.
 */
function compose(args: string[], env: Record<string, string> = REQUIRED) {
  const run = spawnSync(
    composeBinary,
    ['--env-file', '/dev/null', '-f', composeFile, ...args, 'config', '--format', 'json'],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function config(args: string[] = [], env?: Record<string, string>): Project {
  const run = compose(args, env);
  if (run.status !== 0) throw new Error(`docker compose config failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as Project;
}

const configs = new Map<string, Project>();
/** The resolved file, without profiles or with the emulator's; each read once. */
function project(profile?: 'emulator'): Project {
  const key = profile ?? '';
  if (!configs.has(key)) configs.set(key, config(profile ? ['--profile', profile] : []));
  return configs.get(key)!;
}
const service = (name: string, profile?: 'emulator'): Service => {
  const found = project(profile).services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

const STACK = [
  'api',
  'api-proxy',
  'postgres',
  'temporal',
  'temporal-admin-tools',
  'temporal-schema',
  'temporal-ui',
  'worker',
];

describe('docker-compose.yml', () => {
  it('validates, and runs PostgreSQL, Temporal on it, its UI, the API and the worker', () => {
    expect(project().name).toBe('rose-checkout');
    expect(Object.keys(project().services).sort()).toEqual(STACK);

    const postgres = service('postgres');
    const temporal = service('temporal');
    // The server image (auto-setup is deprecated), with Temporal's schema tool run before it,
    // on the same databases the server is told of, and the namespace made after it.
    expect(temporal.image).toMatch(/^temporalio\/server:1\.29\./);
    expect(temporal.environment).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgres',
      NUM_HISTORY_SHARDS: '4',
    });
    const schema = service('temporal-schema');
    expect(schema.image).toMatch(/^temporalio\/admin-tools:1\.29\./);
    const setup = schema.command?.join('\n') ?? '';
    for (const step of ['create', 'setup-schema -v 0.0', 'update-schema -d']) {
      expect(setup).toContain(step);
    }
    expect(setup).toContain(`${temporal.environment?.DBNAME}:temporal`);
    expect(setup).toContain(`${temporal.environment?.VISIBILITY_DBNAME}:visibility`);
    expect(service('temporal-admin-tools').command?.join('\n')).toContain(
      'temporal operator namespace create',
    );
    // Temporal's databases are its own, apart from ours.
    expect(temporal.environment?.DBNAME).toBeTruthy();
    expect(temporal.environment?.DBNAME).not.toBe(postgres.environment?.POSTGRES_DB);
    expect(temporal.environment?.VISIBILITY_DBNAME).not.toBe(postgres.environment?.POSTGRES_DB);
    expect(service('worker').environment?.DATABASE_URL).toMatch(
      new RegExp(`@postgres:5432/${postgres.environment?.POSTGRES_DB}$`),
    );
    expect(postgres.volumes?.some((v) => v.target === '/var/lib/postgresql/data')).toBe(true);
  });

  it('builds the API, the worker and the emulator from the Dockerfile, as one image', () => {
    const built = ['api', 'worker', 'sumup-emulator'].map((name) => service(name, 'emulator'));
    for (const app of built) expect(app.build).toMatchObject({ dockerfile: 'Dockerfile' });
    expect(new Set(built.map((app) => app.image)).size).toBe(1);
    expect(built.map((app) => app.command?.at(-1))).toEqual([
      'api/main.ts',
      'worker/main.ts',
      'sumup-emulator/main.ts',
    ]);
  });

  it('runs the API and the worker as replicas, the API behind one published address', () => {
    for (const name of ['api', 'worker']) {
      expect(service(name).deploy?.replicas, name).toBe(2);
      expect(service(name).container_name, name).toBeUndefined();
      // A fixed host port would clash between replicas.
      expect(service(name).ports ?? [], name).toEqual([]);
    }
    expect(service('api-proxy').ports).toEqual([
      expect.objectContaining({ target: 3000, published: '3000', host_ip: '127.0.0.1' }),
    ]);
    const scaled = config([], { ...REQUIRED, API_REPLICAS: '3', WORKER_REPLICAS: '5' });
    expect(scaled.services.api?.deploy?.replicas).toBe(3);
    expect(scaled.services.worker?.deploy?.replicas).toBe(5);
  });

  it('runs Jaeger only under the tracing profile, and passes the OTLP endpoint to the API and the worker', () => {
    expect(project().services.jaeger).toBeUndefined();
    const traced = config(['--profile', 'tracing'], {
      ...REQUIRED,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
    });
    expect(traced.services.jaeger?.image).toMatch(/^jaegertracing\/all-in-one:/);
    for (const name of ['api', 'worker']) {
      expect(traced.services[name]?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe(
        'http://jaeger:4318',
      );
    }
    // Unset, no process is told of one: tracing stays off.
    expect(service('api').environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBeNull();
  });

  it('runs the SumUp emulator only under the emulator profile', () => {
    expect(project().services['sumup-emulator']).toBeUndefined();
    expect(service('sumup-emulator', 'emulator').profiles).toEqual(['emulator']);
    expect(service('worker').environment?.SUMUP_API_URL).toBe('https://api.sumup.com');
    // With the profile, the worker waits for the emulator; without it, not.
    expect(service('worker').depends_on?.['sumup-emulator']).toMatchObject({ required: false });
  });

  it('checks health, and starts each service once what it needs is healthy', () => {
    for (const name of ['postgres', 'temporal', 'api', 'api-proxy', 'worker']) {
      expect(service(name).healthcheck?.test?.length, name).toBeGreaterThan(1);
      expect(service(name).healthcheck?.disable, name).not.toBe(true);
    }
    expect(service('sumup-emulator', 'emulator').healthcheck?.test?.length).toBeGreaterThan(1);
    const healthy = { condition: 'service_healthy', required: true };
    expect(service('temporal-schema').depends_on).toEqual({ postgres: healthy });
    expect(service('temporal').depends_on).toEqual({
      'temporal-schema': { condition: 'service_completed_successfully', required: true },
    });
    expect(service('temporal-admin-tools').depends_on).toEqual({ temporal: healthy });
    expect(service('temporal-ui').depends_on).toEqual({ temporal: healthy });
    expect(service('api-proxy').depends_on).toEqual({ api: healthy });
    for (const name of ['api', 'worker']) {
      expect(service(name).depends_on, name).toMatchObject({
        postgres: healthy,
        temporal: healthy,
        'temporal-admin-tools': { condition: 'service_completed_successfully', required: true },
      });
    }
  });

  it.each(Object.keys(REQUIRED))('refuses to run without %s', (name) => {
    const env: Record<string, string> = { ...REQUIRED };
    delete env[name];
    const run = compose([], env);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`required variable ${name} is missing a value`);
    // Empty counts as missing too (deploy/.env.example leaves them empty).
    const empty = compose([], { ...REQUIRED, [name]: '' });
    expect(empty.status).not.toBe(0);
    expect(empty.stderr).toContain(name);
  });

  it('registers every search attribute of workflows/search-attributes.ts, with its type', () => {
    const tools = service('temporal-admin-tools');
    const registered = (tools.environment?.SEARCH_ATTRIBUTES ?? '').split(/\s+/).filter(Boolean);
    expect(registered.sort()).toEqual(
      searchAttributes.map((key) => `${key.name}:${cliTypeNames[key.type]}`).sort(),
    );
    expect(registered).toHaveLength(8);
    const script = [...(tools.entrypoint ?? []), ...(tools.command ?? [])].join(' ');
    expect(script).toContain('temporal operator search-attribute create');
    // `$$` is Compose's escape for a `$` the shell sees.
    expect(script).toContain('$$SEARCH_ATTRIBUTES');
    expect(tools.environment?.TEMPORAL_NAMESPACE).toBe(
      service('worker').environment?.TEMPORAL_NAMESPACE,
    );
  });

  it('gives the worker the prebuilt workflow bundle, and the UI the API’s codec endpoint', () => {
    const bundle = service('worker').environment?.WORKFLOW_BUNDLE_PATH;
    expect(bundle).toBe('/app/dist/workflow-bundle.js');
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toContain('npm run build:workflows -- dist/workflow-bundle.js');
    expect(dockerfile).toContain(`WORKFLOW_BUNDLE_PATH=${bundle}`);

    const ui = service('temporal-ui');
    expect(ui.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(ui.environment?.TEMPORAL_CODEC_ENDPOINT).toBe('http://localhost:3000/codec');
    const uiPort = ui.ports?.[0]?.published;
    expect(service('api').environment?.CODEC_CORS_ORIGINS).toBe(`http://localhost:${uiPort}`);
    for (const name of ['api', 'worker']) {
      expect(service(name).environment, name).toHaveProperty('PAYLOAD_CODEC_KEYS');
    }
  });

  it('documents every variable it reads in deploy/.env.example', () => {
    const raw = read('docker-compose.yml').replace(/^\s*#.*$/gm, '');
    const interpolated = [...raw.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
    // Listed without a value: passed on from .env or the shell when set.
    const passedOn = Object.values(project('emulator').services).flatMap((s) =>
      Object.entries(s.environment ?? {})
        .filter(([, value]) => value === null)
        .map(([name]) => name),
    );
    const documented = new Set(
      [...read('deploy/.env.example').matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]),
    );
    const undocumented = [...new Set([...interpolated, ...passedOn])].filter(
      (name) => !documented.has(name),
    );
    expect(undocumented).toEqual([]);
    expect(interpolated.length).toBeGreaterThan(10);
  });
});
