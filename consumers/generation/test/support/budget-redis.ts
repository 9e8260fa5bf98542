// Shared by the budget tests: real Redis, a key prefix of each test's own, removed afterwards.
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { after, afterEach, before } from 'node:test';
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

/**
 * One connection for a test file (connected before its tests, closed after them) and a list the
 * tests push their key prefixes to; each test's keys are removed after it.
 */
export const useBudgetRedis = (): { redis: Redis; prefixes: string[] } => {
  const redis = createBudgetRedis(REDIS_URL, { commandTimeoutMs: 2000 });
  const prefixes: string[] = [];
  before(() => redis.connect());
  afterEach(async () => {
    for (const prefix of prefixes.splice(0)) await removeKeys(redis, prefix);
  });
  after(() => redis.disconnect());
  return { redis, prefixes };
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

export { seededRandom } from '@rivulet/testing';

