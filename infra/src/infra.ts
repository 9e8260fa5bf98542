import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createKafkaService } from './kafka.js';
import { ensureChatModel, ensureEmbeddingModel } from './models.js';
import type { InfraComponent, InfraOptions, ResolvedOptions } from './options.js';
import { infraComponents, resolveOptions } from './options.js';
import { createPostgresService } from './postgres.js';
import { createRedisCacheService, createRedisService } from './redis.js';
import { withRunLock } from './run-lock.js';
import { createSchemaRegistryService } from './schema-registry.js';
import type { ServiceDefinition, ServiceStatus } from './service.js';
import { describeService, startService, stopService } from './service-lifecycle.js';

const createServices = (options: ResolvedOptions): Record<InfraComponent, ServiceDefinition> => ({
  postgres: createPostgresService(options),
  redis: createRedisService(options),
  'redis-cache': createRedisCacheService(options),
  kafka: createKafkaService(options),
  'schema-registry': createSchemaRegistryService(options),
});

/** Waits for every task, then throws the first failure in start order (each was already reported). */
const settle = async <Result>(options: ResolvedOptions, tasks: ReadonlyArray<[InfraComponent, Promise<Result>]>): Promise<Result[]> => {
  const outcomes = await Promise.allSettled(tasks.map(([, task]) => task));
  const failures = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [[tasks[index]![0], outcome.reason] as const] : []));
  for (const [component, reason] of failures) options.progress(component, `failed: ${String((reason as Error).message ?? reason).split('\n')[0]}`);
  if (failures[0] !== undefined) throw failures[0][1];
  return outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
};

/**
 * Installs what is missing, starts what is not running and waits until each service answers.
 * Idempotent: with everything up it only checks, in well under a second, and downloads nothing.
 * Order: PostgreSQL, both Redis instances and Kafka start together; the schema registry, which stores its
 * schemas in PostgreSQL, follows PostgreSQL. Without a `components` subset it also fetches the
 * embedding model and the local chat model into `modelPaths(home)` (models.ts).
 */
export const infraUp = async (input: InfraOptions): Promise<ServiceStatus[]> => {
  const options = resolveOptions(input);
  await mkdir(options.logsDirectory, { recursive: true });
  return withRunLock(join(options.runDirectory, 'infra.lock'), async () => {
    const startedAt = Date.now();
    const services = createServices(options);
    const selected = (component: InfraComponent) => options.components.includes(component);
    const postgres = selected('postgres') ? startService(options, services.postgres) : undefined;
    const tasks: Array<[InfraComponent, Promise<ServiceStatus>]> = [];
    if (postgres !== undefined) tasks.push(['postgres', postgres]);
    for (const component of ['redis', 'redis-cache', 'kafka'] as const) {
      if (selected(component)) tasks.push([component, startService(options, services[component])]);
    }
    if (selected('schema-registry')) {
      const registry = (async () => {
        // Install (download) alongside the others; start only once its database answers.
        await services['schema-registry'].install();
        await postgres;
        return startService(options, services['schema-registry']);
      })();
      tasks.push(['schema-registry', registry]);
    }
    // The models download while the services start, one after the other; a `components` subset asks for services only.
    const model = options.components.length === infraComponents.length
      ? ensureEmbeddingModel(options).then(() => ensureChatModel(options))
      : Promise.resolve();
    const [started, modelOutcome] = await Promise.allSettled([settle(options, tasks), model]);
    if (started.status === 'rejected') throw started.reason;
    if (modelOutcome.status === 'rejected') {
      options.progress('infra', `models failed: ${String((modelOutcome.reason as Error).message).split('\n')[0]}`);
      throw modelOutcome.reason;
    }
    const statuses = started.value;
    options.progress('infra', `up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    return statuses;
  });
};

/** Stops what `infraUp` started (SIGTERM, or SIGINT for PostgreSQL; then SIGKILL). Data stays. */
export const infraDown = async (input: InfraOptions): Promise<void> => {
  const options = resolveOptions(input);
  await withRunLock(join(options.runDirectory, 'infra.lock'), async () => {
    const services = createServices(options);
    const stop = (components: readonly InfraComponent[]) =>
      settle(
        options,
        components.filter((component) => options.components.includes(component)).map((component) => [component, stopService(options, services[component])] as [InfraComponent, Promise<void>]),
      );
    // The registry before its database; the database last, once nothing of ours uses it.
    await stop(['schema-registry']);
    await stop(['kafka', 'redis', 'redis-cache']);
    await stop(['postgres']);
  });
};

/** Health, pid, resident memory and log file of each service; never starts or stops anything. */
export const infraStatus = async (input: InfraOptions): Promise<ServiceStatus[]> => {
  const options = resolveOptions(input);
  const services = createServices(options);
  return Promise.all(options.components.map((component) => describeService(options, services[component])));
};
