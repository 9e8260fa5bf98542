import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from './concurrency.js';

/**
 * `rivulet ingress` and `rivulet worker …` processes on this machine other than `ours`. An
 * isolated pipeline (startPipeline's default) has topics and groups of its own, so another one
 * running at the same time (someone's e2e tests) does not take its events; it does take CPU, and
 * on two cores that changes every figure.
 */
export const otherPipelineProcesses = (ours: readonly (number | undefined)[] = []): { pid: number; command: string }[] => {
  const found: { pid: number; command: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid || ours.includes(pid)) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue;
    }
    if (/rivulet(\.js)? (worker|ingress)\b/.test(command)) found.push({ pid, command });
  }
  return found;
};

/** Waits (up to `timeoutMs`) until no other pipeline runs; returns what was still running if it gave up. */
export const waitForOtherPipelines = async (timeoutMs: number): Promise<{ pid: number; command: string }[]> => {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    const others = otherPipelineProcesses();
    if (others.length === 0 || Date.now() > deadline) return others;
    if (!announced) {
      console.log(`  waiting for another pipeline to finish (it would compete for the CPU): ${others.map((other) => `${other.pid} ${other.command}`).join('; ')}`);
      announced = true;
    }
    await sleep(2000);
  }
};

/** Polls for other pipelines during a run and remembers every one it saw. */
export const watchOtherPipelines = (ours: () => (number | undefined)[], intervalMs = 2000) => {
  const seen = new Map<number, string>();
  const look = () => {
    for (const { pid, command } of otherPipelineProcesses(ours())) seen.set(pid, command);
  };
  look();
  const timer = setInterval(look, intervalMs);
  return {
    stop: (): { pid: number; command: string }[] => {
      clearInterval(timer);
      look();
      return [...seen].map(([pid, command]) => ({ pid, command }));
    },
  };
};
