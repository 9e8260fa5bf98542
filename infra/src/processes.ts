import { spawn } from 'node:child_process';
import { closeSync, readFileSync } from 'node:fs';
import { waitUntil } from './wait-until.js';

export interface LaunchSpec {
  command: string;
  args: readonly string[];
  cwd: string;
  /** Run as this user (PostgreSQL refuses to run as root). */
  user?: { uid: number; gid: number };
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

export const commandLineOf = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
};

/** Resident memory (VmRSS) in bytes, as the kernel accounts it. */
export const residentBytes = (pid: number): number | undefined => {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
};

/**
 * Starts a long-running server that outlives this Node process: its own process group,
 * output into the log file descriptor, no reference keeping our event loop alive.
 */
export const spawnDetached = async (launch: LaunchSpec, logFd: number): Promise<number> => {
  try {
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      uid: launch.user?.uid,
      gid: launch.user?.gid,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    await new Promise<void>((resolvePromise, reject) => {
      child.once('spawn', resolvePromise);
      child.once('error', reject);
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`${launch.command} started without a pid`);
    return child.pid;
  } finally {
    closeSync(logFd);
  }
};

/** Asks a process to stop, waits, then kills it. Returns how it ended. */
export const stopProcess = async (
  pid: number,
  { signal, timeoutMs }: { signal: NodeJS.Signals; timeoutMs: number },
): Promise<'stopped' | 'killed' | 'not running'> => {
  if (!isAlive(pid)) return 'not running';
  try {
    process.kill(pid, signal);
  } catch {
    return 'not running';
  }
  const stopped = await waitUntil(() => (isAlive(pid) ? undefined : true), { timeoutMs, intervalMs: 100 });
  if (stopped) return 'stopped';
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  await waitUntil(() => (isAlive(pid) ? undefined : true), { timeoutMs: 5_000, intervalMs: 100 });
  return 'killed';
};
