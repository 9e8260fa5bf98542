import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineBusySeconds, processCpuSeconds, processTreeCpuSeconds } from './process-stats.js';

/** The backing services' pids as `rivulet infra up` records them in `<RIVULET_HOME>/run/<service>.pid`. */
export const servicePids = (home: string): Record<string, number> => {
  const pids: Record<string, number> = {};
  for (const service of ['kafka', 'schema-registry', 'postgres', 'redis']) {
    try {
      const pid = Number(readFileSync(join(home, 'run', `${service}.pid`), 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) pids[service] = pid;
    } catch {
      // not running under infra: left out of the budget
    }
  }
  return pids;
};

/**
 * Where the CPU went between `start()` and `stop()`: each named process tree, and the rest of the
 * machine (other people's work on a shared box), against the cores × wall seconds there were.
 * `tree` counts a process's descendants too (PostgreSQL's backends); not for a process whose children are listed apart.
 */
export const cpuBudget = (processes: () => Record<string, { pid: number | undefined; tree: boolean }>) => {
  const read = () => Object.fromEntries(Object.entries(processes()).map(([name, { pid, tree }]) => [name, pid === undefined ? undefined : tree ? processTreeCpuSeconds(pid) : processCpuSeconds(pid)]));
  let before: Record<string, number | undefined> = {};
  let machineBefore = 0;
  let started = 0n;
  return {
    start: () => {
      before = read();
      machineBefore = machineBusySeconds();
      started = process.hrtime.bigint();
    },
    /** CPU seconds per process (undefined for one that was not running at both ends), the rest of the machine, and the capacity. */
    stop: (cores: number) => {
      const after = read();
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const machine = machineBusySeconds() - machineBefore;
      const byProcess: Record<string, number> = {};
      for (const [name, value] of Object.entries(after)) {
        const start = before[name];
        if (value !== undefined && start !== undefined) byProcess[name] = Math.round((value - start) * 10) / 10;
      }
      const ours = Object.values(byProcess).reduce((sum, value) => sum + value, 0);
      return { wallSeconds, capacitySeconds: wallSeconds * cores, machineBusySeconds: Math.round(machine * 10) / 10, byProcess, otherSeconds: Math.round((machine - ours) * 10) / 10 };
    },
  };
};
