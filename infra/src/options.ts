import { isAbsolute, join, resolve } from 'node:path';
import { InfraError } from './infra-error.js';

export type InfraComponent = 'kafka' | 'schema-registry' | 'postgres' | 'redis' | 'redis-cache';

/** Every component, in start order. */
export const infraComponents: readonly InfraComponent[] = ['postgres', 'redis', 'redis-cache', 'kafka', 'schema-registry'];

export interface InfraProgressEvent {
  component: InfraComponent | 'infra';
  message: string;
}

export interface InfraOptions {
  /** State folder: downloads, data, logs (`logs/<component>.log`), pids (`run/`). Git-ignored `<repo>/.rivulet`. */
  home: string;
  /** Kafka's client port (default 9092); its KRaft controller listens on the next port. */
  kafkaPort?: number;
  /** Schema registry HTTP port (default 8081). */
  registryPort?: number;
  /** PostgreSQL port (default 5432). */
  postgresPort?: number;
  /** Redis port (default 6379): the state Redis (budgets, breakers, leases), saved to disk, never evicting. */
  redisPort?: number;
  /** The cache Redis's port (default 6380): the embedding cache, bounded and evicting, nothing saved. */
  redisCachePort?: number;
  /** The cache Redis's memory bound in MiB (default 1024); least recently used keys go past it. */
  redisCacheMaxMemoryMb?: number;
  /** Kafka JVM maximum heap in MiB (default 512). */
  kafkaHeapMb?: number;
  /** Schema registry JVM maximum heap in MiB (default 384). */
  registryHeapMb?: number;
  /** Only these components (default: all). The schema registry still needs PostgreSQL running. */
  components?: readonly InfraComponent[];
  /** Progress lines for the terminal: installs, commands run, start-up times. */
  onProgress?: (event: InfraProgressEvent) => void;
}

export interface ResolvedOptions {
  home: string;
  kafkaPort: number;
  controllerPort: number;
  registryPort: number;
  postgresPort: number;
  redisPort: number;
  redisCachePort: number;
  redisCacheMaxMemoryMb: number;
  kafkaHeapMb: number;
  registryHeapMb: number;
  components: readonly InfraComponent[];
  progress: (component: InfraComponent | 'infra', message: string) => void;
  logsDirectory: string;
  runDirectory: string;
  cacheDirectory: string;
  buildDirectory: string;
  logFile: (component: InfraComponent) => string;
}

const invalid = (message: string): InfraError => new InfraError({ component: 'infra', code: 'invalid_options', message });

const checkPort = (name: string, port: number): number => {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`${name} must be a port number (1-65535), got ${port}`);
  return port;
};

export const resolveOptions = ({
  home,
  kafkaPort = 9092,
  registryPort = 8081,
  postgresPort = 5432,
  redisPort = 6379,
  redisCachePort = 6380,
  redisCacheMaxMemoryMb = 1024,
  kafkaHeapMb = 512,
  registryHeapMb = 384,
  components = infraComponents,
  onProgress = () => {},
}: InfraOptions): ResolvedOptions => {
  if (!home) throw invalid('home (the state folder, e.g. <repo>/.rivulet) is required');
  const absoluteHome = isAbsolute(home) ? home : resolve(home);
  const ports = {
    kafkaPort: checkPort('kafkaPort', kafkaPort),
    controllerPort: checkPort('kafkaPort + 1 (the KRaft controller)', kafkaPort + 1),
    registryPort: checkPort('registryPort', registryPort),
    postgresPort: checkPort('postgresPort', postgresPort),
    redisPort: checkPort('redisPort', redisPort),
    redisCachePort: checkPort('redisCachePort', redisCachePort),
  };
  if (new Set(Object.values(ports)).size !== Object.values(ports).length) {
    throw invalid(`ports must all differ (Kafka uses kafkaPort and kafkaPort + 1): ${JSON.stringify(ports)}`);
  }
  for (const [name, heap] of [['kafkaHeapMb', kafkaHeapMb], ['registryHeapMb', registryHeapMb]] as const) {
    if (!Number.isInteger(heap) || heap < 128) throw invalid(`${name} must be a whole number of MiB, at least 128, got ${heap}`);
  }
  if (!Number.isInteger(redisCacheMaxMemoryMb) || redisCacheMaxMemoryMb < 1) throw invalid(`redisCacheMaxMemoryMb must be a whole number of MiB, at least 1, got ${redisCacheMaxMemoryMb}`);
  const unknown = components.filter((component) => !infraComponents.includes(component));
  if (unknown.length > 0) throw invalid(`unknown components: ${unknown.join(', ')} (known: ${infraComponents.join(', ')})`);
  const logsDirectory = join(absoluteHome, 'logs');
  return {
    home: absoluteHome,
    ...ports,
    redisCacheMaxMemoryMb,
    kafkaHeapMb,
    registryHeapMb,
    components: infraComponents.filter((component) => components.includes(component)),
    progress: (component, message) => onProgress({ component, message }),
    logsDirectory,
    runDirectory: join(absoluteHome, 'run'),
    cacheDirectory: join(absoluteHome, 'cache'),
    buildDirectory: join(absoluteHome, 'build'),
    logFile: (component) => join(logsDirectory, `${component}.log`),
  };
};
