import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { installAptPackages } from './apt.js';
import type { InfraComponent, ResolvedOptions } from './options.js';
import { probeRedis } from './probes.js';
import type { ServiceDefinition } from './service.js';

const redisServer = '/usr/bin/redis-server';

interface RedisInstance {
  component: Extract<InfraComponent, 'redis' | 'redis-cache'>;
  port: number;
  summary: string;
  /** What makes this instance what it is: persistence and eviction. */
  settings: string[];
}

const redisService = (options: ResolvedOptions, { component, port, summary, settings }: RedisInstance): ServiceDefinition => {
  const directory = join(options.home, component);
  return {
    component,
    address: `redis://127.0.0.1:${port}`,
    summary,
    ports: [port],
    // redis-server rewrites its process title to "<binary> <address>:<port>".
    commandLineMarker: `redis-server 127.0.0.1:${port}`,
    readyTimeoutMs: 15_000,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 10_000,
    install: async () => {
      if (!existsSync(redisServer)) await installAptPackages(options, component, ['redis-server']);
    },
    prepare: async () => {
      await mkdir(directory, { recursive: true });
    },
    launch: () => ({
      command: redisServer,
      args: [
        '--bind', '127.0.0.1',
        '--port', String(port),
        ...settings,
        '--daemonize', 'no',
        '--dir', directory,
        '--pidfile', join(options.runDirectory, `${component}-server.pid`),
      ],
      cwd: directory,
    }),
    probe: () => probeRedis(port),
  };
};

/**
 * The state Redis: token budgets, circuit breakers, reply-partition leases, rate limits, cancel
 * flags. Every write is appended to a file (flushed to the OS before the reply, fsync'd every
 * second: a killed Redis loses nothing it acknowledged, a machine that loses power up to a second)
 * and nothing is ever evicted: all its keys carry their own expiry.
 */
export const createRedisService = (options: ResolvedOptions): ServiceDefinition => redisService(options, {
  component: 'redis', port: options.redisPort,
  summary: 'Redis (state: budgets, breakers, leases; append-only file, no eviction)',
  settings: ['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'],
});

/** The cache Redis (embeddings): bounded, evicting the least recently used keys, nothing saved. */
export const createRedisCacheService = (options: ResolvedOptions): ServiceDefinition => redisService(options, {
  component: 'redis-cache', port: options.redisCachePort,
  summary: `Redis (cache: embeddings; ${options.redisCacheMaxMemoryMb} MiB, least recently used evicted, nothing saved)`,
  settings: ['--save', '', '--appendonly', 'no', '--maxmemory', `${options.redisCacheMaxMemoryMb}mb`, '--maxmemory-policy', 'allkeys-lru'],
});
