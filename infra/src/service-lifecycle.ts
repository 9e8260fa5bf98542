import { InfraError } from './infra-error.js';
import { openLogForChild, tailLog } from './log-files.js';
import type { ResolvedOptions } from './options.js';
import { describeListener, findPortListener } from './port-owner.js';
import { isAlive, residentBytes, spawnDetached, stopProcess } from './processes.js';
import type { ServiceDefinition, ServiceStatus } from './service.js';
import { clearServiceState, readRunningState, writeServiceState } from './service-state.js';
import { waitUntil } from './wait-until.js';

const seconds = (milliseconds: number): string => `${(milliseconds / 1000).toFixed(1)} s`;

/** Waits for the first healthy probe; 'exited' as soon as the process is gone. */
const waitForHealthy = (service: ServiceDefinition, pid: number): Promise<'ready' | 'exited' | undefined> =>
  waitUntil(
    async () => {
      if (!isAlive(pid)) return 'exited';
      return (await service.probe()).healthy ? 'ready' : undefined;
    },
    { timeoutMs: service.readyTimeoutMs, intervalMs: 250 },
  );

const failure = async (
  options: ResolvedOptions,
  service: ServiceDefinition,
  code: 'exited' | 'start_timeout',
  summary: string,
): Promise<InfraError> => {
  const logFile = options.logFile(service.component);
  return new InfraError({
    component: service.component,
    code,
    logFile,
    retriable: code === 'start_timeout',
    message: `${service.component}: ${summary}. Log: ${logFile}\n${await tailLog(logFile)}`,
  });
};

/** Refuses ports held by a process we did not start, naming that process. */
const assertPortsFree = async (options: ResolvedOptions, service: ServiceDefinition, ports: readonly number[]): Promise<void> => {
  for (const port of ports) {
    const listener = await findPortListener(port);
    if (listener === undefined) continue;
    const hint = service.portConflictHint?.(listener.commandLine ?? '') ?? `Stop it, or give ${service.component} another port.`;
    throw new InfraError({
      component: service.component,
      code: 'port_in_use',
      logFile: options.logFile(service.component),
      message: `${service.component}: ${describeListener(port, listener)}, which rivulet infra did not start. ${hint}`,
    });
  }
};

export const describeService = async (options: ResolvedOptions, service: ServiceDefinition): Promise<ServiceStatus> => {
  const logFile = options.logFile(service.component);
  const [state, probe] = await Promise.all([
    readRunningState(options, service.component, service.commandLineMarker),
    service.probe(),
  ]);
  const base = { component: service.component, address: service.address, logFile };
  if (state !== undefined && state.ports.join(',') === service.ports.join(',')) {
    const detail = probe.healthy ? `${service.summary}; ${probe.detail}` : probe.detail;
    return { ...base, healthy: probe.healthy, detail, pid: state.pid, rssBytes: residentBytes(state.pid), startupMs: state.startupMs };
  }
  const elsewhere = state === undefined ? '' : `; rivulet infra's ${service.component} runs on port ${state.ports.join(', ')} instead (pid ${state.pid})`;
  if (!probe.healthy) return { ...base, healthy: false, detail: `not running (${probe.detail})${elsewhere}` };
  // Something answers but we did not start it: clients work, `infraUp` will refuse the port.
  const port = service.ports[0] ?? 0;
  const listener = (await findPortListener(port)) ?? {};
  return { ...base, healthy: true, detail: `${probe.detail}; not started by rivulet infra: ${describeListener(port, listener)}${elsewhere}` };
};

export const stopService = async (options: ResolvedOptions, service: ServiceDefinition): Promise<void> => {
  const state = await readRunningState(options, service.component, service.commandLineMarker);
  if (state === undefined) {
    await clearServiceState(options, service.component);
    return;
  }
  const startedAt = Date.now();
  const outcome = await stopProcess(state.pid, { signal: service.stopSignal, timeoutMs: service.stopTimeoutMs });
  if (isAlive(state.pid)) {
    throw new InfraError({
      component: service.component,
      code: 'stop_failed',
      logFile: options.logFile(service.component),
      message: `${service.component}: pid ${state.pid} is still running after SIGKILL`,
    });
  }
  await clearServiceState(options, service.component);
  options.progress(service.component, `${outcome === 'killed' ? 'killed' : 'stopped'} pid ${state.pid} in ${seconds(Date.now() - startedAt)}`);
};

/** Installs, checks ports, prepares, starts and waits; or only waits when our instance already runs. */
export const startService = async (options: ResolvedOptions, service: ServiceDefinition): Promise<ServiceStatus> => {
  let state = await readRunningState(options, service.component, service.commandLineMarker);
  if (state !== undefined && state.ports.join(',') !== service.ports.join(',')) {
    // Checked before stopping ours, so a taken port leaves the running instance alone.
    await assertPortsFree(options, service, service.ports.filter((port) => !state?.ports.includes(port)));
    options.progress(service.component, `running on port ${state.ports.join(', ')}; restarting it on ${service.ports.join(', ')}`);
    await stopService(options, service);
    state = undefined;
  }
  if (state !== undefined) {
    const outcome = await waitForHealthy(service, state.pid);
    if (outcome === 'exited') throw await failure(options, service, 'exited', `pid ${state.pid} exited while starting`);
    if (outcome === undefined) {
      throw await failure(options, service, 'start_timeout', `pid ${state.pid} runs but did not answer within ${seconds(service.readyTimeoutMs)}`);
    }
    await service.afterReady?.();
    options.progress(service.component, `already running (pid ${state.pid})`);
    return describeService(options, service);
  }

  await service.install();
  await assertPortsFree(options, service, service.ports);
  await service.prepare();

  const launch = service.launch();
  const logFd = await openLogForChild(options.logFile(service.component), `starting ${[launch.command, ...launch.args].join(' ')}`);
  const startedAt = Date.now();
  const pid = await spawnDetached(launch, logFd).catch(async (error: unknown) => {
    throw await failure(options, service, 'exited', `could not start ${launch.command}: ${(error as Error).message}`);
  });
  await writeServiceState(options, service.component, { pid, ports: service.ports, startedAt: new Date(startedAt).toISOString() });
  options.progress(service.component, `started pid ${pid}, waiting until it answers`);

  const outcome = await waitForHealthy(service, pid);
  if (outcome === 'exited') {
    await clearServiceState(options, service.component);
    throw await failure(options, service, 'exited', `pid ${pid} exited while starting`);
  }
  if (outcome === undefined) {
    // Left running: a slow first start may still succeed, and the next `infraUp` waits for it again.
    throw await failure(options, service, 'start_timeout', `pid ${pid} did not answer within ${seconds(service.readyTimeoutMs)} (left running)`);
  }
  const startupMs = Date.now() - startedAt;
  await writeServiceState(options, service.component, { pid, ports: service.ports, startedAt: new Date(startedAt).toISOString(), startupMs });
  options.progress(service.component, `ready in ${seconds(startupMs)} (pid ${pid})`);
  await service.afterReady?.();
  return describeService(options, service);
};
