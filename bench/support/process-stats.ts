import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
const clockTicks = (): number => {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
};

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined once it is gone. */
export const processCpuSeconds = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state, field 3; utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
};

/** Resident memory of a process in bytes (VmRSS of /proc/<pid>/status); undefined once it is gone. */
export const processRssBytes = (pid: number): number | undefined => {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
};

/** CPU seconds this process uses while `work` runs (process.cpuUsage delta). */
export const cpuSecondsDuring = async (work: () => Promise<void>): Promise<number> => {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
};

/** Samples a number every `intervalMs` and keeps the peak and the last value. */
export const sampler = (read: () => number | undefined, intervalMs = 200) => {
  let peak = 0;
  let last = 0;
  const take = () => {
    const value = read();
    if (value === undefined) return;
    last = value;
    peak = Math.max(peak, value);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return { peak, last };
    },
  };
};

export const mebibytes = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

interface ProcStat { pid: number; parent: number; ownSeconds: number; childrenSeconds: number }

const readStat = (pid: number): ProcStat | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = clockTicks();
    return { pid, parent: Number(fields[1]), ownSeconds: (Number(fields[11]) + Number(fields[12])) / ticks, childrenSeconds: (Number(fields[13]) + Number(fields[14])) / ticks };
  } catch {
    return undefined;
  }
};

/**
 * CPU seconds of a process and all its descendants (PostgreSQL runs a process per connection):
 * live processes' own time plus what exited children left in their parents' counters.
 */
export const processTreeCpuSeconds = (root: number): number | undefined => {
  const stats = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map((name) => readStat(Number(name))).filter((stat): stat is ProcStat => stat !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.parent, [...(children.get(stat.parent) ?? []), stat]);
  const rootStat = stats.find((stat) => stat.pid === root);
  if (!rootStat) return undefined;
  let total = 0;
  const queue = [rootStat];
  while (queue.length > 0) {
    const stat = queue.pop()!;
    total += stat.ownSeconds + stat.childrenSeconds;
    queue.push(...(children.get(stat.pid) ?? []));
  }
  return total;
};

/** Total CPU seconds the whole machine has spent busy (all cores), from /proc/stat. */
export const machineBusySeconds = (): number => {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / clockTicks();
};
