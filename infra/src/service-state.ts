import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTextIfExists } from './log-files.js';
import type { InfraComponent, ResolvedOptions } from './options.js';
import { commandLineOf, isAlive } from './processes.js';

/** What `infraUp` records about a process it started: `run/<component>.pid` and `run/<component>.json`. */
export interface ServiceState {
  pid: number;
  ports: readonly number[];
  startedAt: string;
  startupMs?: number;
}

const statePaths = (options: ResolvedOptions, component: InfraComponent) => ({
  pidFile: join(options.runDirectory, `${component}.pid`),
  detailsFile: join(options.runDirectory, `${component}.json`),
});

export const writeServiceState = async (options: ResolvedOptions, component: InfraComponent, state: ServiceState): Promise<void> => {
  const { pidFile, detailsFile } = statePaths(options, component);
  await mkdir(options.runDirectory, { recursive: true });
  await writeFile(detailsFile, `${JSON.stringify(state, null, 2)}\n`);
  await writeFile(pidFile, `${state.pid}\n`);
};

export const clearServiceState = async (options: ResolvedOptions, component: InfraComponent): Promise<void> => {
  const { pidFile, detailsFile } = statePaths(options, component);
  await rm(pidFile, { force: true });
  await rm(detailsFile, { force: true });
};

/** The recorded process, only while it still runs and still is ours. */
export const readRunningState = async (
  options: ResolvedOptions,
  component: InfraComponent,
  commandLineMarker: string,
): Promise<ServiceState | undefined> => {
  const { pidFile, detailsFile } = statePaths(options, component);
  const pid = Number((await readTextIfExists(pidFile))?.trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  if (!commandLineOf(pid)?.includes(commandLineMarker)) return undefined;
  try {
    const details = JSON.parse((await readTextIfExists(detailsFile)) ?? '{}') as Partial<ServiceState>;
    return { pid, ports: details.ports ?? [], startedAt: details.startedAt ?? '', startupMs: details.startupMs };
  } catch {
    return { pid, ports: [], startedAt: '' };
  }
};
