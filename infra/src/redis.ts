import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { installAptPackages } from './apt.js';
import type { ResolvedOptions } from './options.js';
import { probeRedis } from './probes.js';
import type { ServiceDefinition } from './service.js';

const redisServer = '/usr/bin/redis-server';

/** Debian's redis-server as a cache only: no snapshots, no append-only file. */
export const createRedisService = (options: ResolvedOptions): ServiceDefinition => {
  const directory = join(options.home, 'redis');
  return {
    component: 'redis',
    address: `redis://127.0.0.1:${options.redisPort}`,
    summary: 'Redis (cache only: nothing saved to disk)',
    ports: [options.redisPort],
    // redis-server rewrites its process title to "<binary> <address>:<port>".
    commandLineMarker: `redis-server 127.0.0.1:${options.redisPort}`,
    readyTimeoutMs: 15_000,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 10_000,
    install: async () => {
      if (!existsSync(redisServer)) await installAptPackages(options, 'redis', ['redis-server']);
    },
    prepare: async () => {
      await mkdir(directory, { recursive: true });
    },
    launch: () => ({
      command: redisServer,
      args: [
        '--bind', '127.0.0.1',
        '--port', String(options.redisPort),
        '--save', '',
        '--appendonly', 'no',
        // A cache: bounded, evicting the least recently used keys instead of refusing writes.
        '--maxmemory', '1gb',
        '--maxmemory-policy', 'allkeys-lru',
        '--daemonize', 'no',
        '--dir', directory,
        '--pidfile', join(options.runDirectory, 'redis-server.pid'),
      ],
      cwd: directory,
    }),
    probe: () => probeRedis(options.redisPort),
  };
};
