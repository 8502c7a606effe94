import { readdirSync, readFileSync } from 'node:fs';

// Resident memory and CPU time of process trees, read from /proc (Linux only, as is the bench).
const CLOCK_TICKS_PER_SECOND = 100;

interface ProcEntry {
  parent: number;
  cpuSeconds: number;
}

function processTable(): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command may hold spaces and parentheses: the fields after the last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), {
        parent: Number(fields[1]),
        // utime and stime, plus cutime and cstime: what its children used before they ended
        // (PostgreSQL's backends come and go with connections).
        cpuSeconds:
          (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) /
          CLOCK_TICKS_PER_SECOND,
      });
    } catch {
      // Gone while we looked.
    }
  }
  return table;
}

function title(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function descendants(table: Map<number, ProcEntry>, rootPid: number): Set<number> {
  const tree = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, { parent }] of table) {
      if (tree.has(parent) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

/** Resident memory, in MiB, of a process and all its descendants. */
export function treeRssMiB(rootPid: number): number {
  let kib = 0;
  for (const pid of descendants(processTable(), rootPid)) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kib += Number(match?.[1] ?? 0);
    } catch {
      // Gone while we looked.
    }
  }
  return kib / 1024;
}

/**
 * CPU seconds used so far by each named process tree; `postgres` is every other descendant
 * of this process (embedded PostgreSQL), and `bench` this process itself.
 */
export function cpuSecondsByTree(roots: Record<string, number>): Record<string, number> {
  const table = processTable();
  const seconds: Record<string, number> = {};
  const named = new Set<number>();
  const sum = (pids: Set<number>) =>
    [...pids].reduce((total, pid) => total + (table.get(pid)?.cpuSeconds ?? 0), 0);
  for (const [name, pid] of Object.entries(roots)) {
    const tree = descendants(table, pid);
    tree.forEach((p) => named.add(p));
    seconds[name] = sum(tree);
  }
  const ours = descendants(table, process.pid);
  ours.delete(process.pid);
  const postgres = [...ours].filter((pid) => !named.has(pid));
  // The full Temporal server keeps its databases on our PostgreSQL server: its backends
  // (titled `postgres: user temporal…`) are Temporal's cost, not ours.
  const temporals = new Set(postgres.filter((pid) => / temporal(_visibility)? /.test(title(pid))));
  seconds.postgres = sum(new Set(postgres.filter((pid) => !temporals.has(pid))));
  if (temporals.size > 0) seconds.temporalPostgres = sum(temporals);
  const self = process.cpuUsage();
  seconds.bench = (self.user + self.system) / 1e6;
  return seconds;
}
