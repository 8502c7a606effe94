import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

// `npx tsx bench/profile-summary.ts [dir]`: where each process of a `BENCH_CPU_PROFILE=1`
// run spent its CPU, by package (or our own folder) and by function, self time only.
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** `node_modules/@temporalio/worker/…` → `@temporalio/worker`; our files → their folder. */
export function owner(url: string): string {
  if (!url) return '(native or idle)';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  if (url.startsWith('node:')) return 'node';
  const ours =
    /\/(api|activities|workflows|worker|db|temporal|observability|sumup-emulator|bench|config)\//.exec(
      url,
    );
  return ours ? `(ours) ${ours[1]}` : url;
}

export function selfTimes(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    busy += micros;
    const who = owner(frame.url);
    byOwner.set(who, (byOwner.get(who) ?? 0) + micros);
    const fn = `${frame.functionName || '(anonymous)'} ${who}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  return {
    wallMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: busy / 1000,
    byOwner,
    byFunction,
  };
}

const top = (map: Map<string, number>, n: number) =>
  [...map].sort((a, b) => b[1] - a[1]).slice(0, n);

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? 'reports/bench/profiles';
  const files = (await readdir(dir, { recursive: true })).filter((name) =>
    name.endsWith('.cpuprofile'),
  );
  for (const file of files.sort()) {
    const summary = selfTimes(JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile);
    console.log(
      `\n${file}: ${summary.busyMs.toFixed(0)} ms on the CPU in ${summary.wallMs.toFixed(0)} ms`,
    );
    for (const [who, micros] of top(summary.byOwner, 12)) {
      console.log(`  ${(micros / 1000).toFixed(0).padStart(8)} ms  ${who}`);
    }
    console.log('  top functions:');
    for (const [fn, micros] of top(summary.byFunction, 15)) {
      console.log(`  ${(micros / 1000).toFixed(0).padStart(8)} ms  ${fn}`);
    }
  }
}
