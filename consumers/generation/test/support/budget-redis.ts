// Shared by the budget tests: real Redis, a key prefix of each test's own, removed afterwards.
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { createBudgetRedis, type BudgetCounter } from '../../src/budget/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const uniquePrefix = (): string => `budget-test-${randomBytes(4).toString('hex')}:`;

/** A connected fail-fast connection, as the worker would use. */
export const connectRedis = async (): Promise<Redis> => {
  const redis = createBudgetRedis(REDIS_URL, { commandTimeoutMs: 2000 });
  await redis.connect();
  return redis;
};

/** Every key under `prefix`. */
export const keysUnder = async (redis: Redis, prefix: string): Promise<string[]> => {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
};

export const removeKeys = async (redis: Redis, prefix: string): Promise<void> => {
  const keys = await keysUnder(redis, prefix);
  if (keys.length > 0) await redis.del(...keys);
};

/** A counter whose period ends in an hour unless told otherwise. */
export const counter = (scope: string, limit: number, overrides: Partial<BudgetCounter> = {}): BudgetCounter => ({
  scope, limit, periodKey: '2026-11-26', expiresAt: Date.now() + 60 * 60 * 1000, ...overrides,
});

/** A loopback port nothing listens on. */
export const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

/** A small seeded generator (mulberry32): the same seed, the same run. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
};

