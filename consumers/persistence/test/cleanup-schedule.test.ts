// The persistence worker's retention schedule on the real PostgreSQL: tables in schemas of their
// own (the cleanup lock is per schema, so a persistence worker running on the shared database does
// not take part), the schedule wired as main.ts wires it, its metrics read from the registry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '@rivulet/config';
import { createService, type Service } from '@rivulet/service';
import { createPool, insertUserMessage, migrate, withAllTenants, type Pool } from '@rivulet/store';
import { waitFor } from '@rivulet/testing';
import { conversationCleanup, persistenceConfigSchema, startCleanupSchedule } from '../src/index.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const schemas: string[] = [];
const pools: Pool[] = [];
const admin = createPool({ databaseUrl, max: 1 });
const services: Service[] = [];

const settings = (extra: Record<string, string> = {}) => loadConfig(persistenceConfigSchema, { DATABASE_URL: databaseUrl, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...extra });

/** A process's logger and metrics registry (its Kafka client is never connected). */
const service = (config = settings()): Service => {
  const created = createService('persistence-cleanup-test', config, { exit: () => undefined });
  services.push(created);
  return created;
};

/** A migrated schema of its own. */
const schema = async (): Promise<string> => {
  const name = `cleanup_schedule_test_${randomBytes(4).toString('hex')}`;
  schemas.push(name);
  await migrate({ databaseUrl, schema: name });
  return name;
};

const poolOn = (name: string, options: { statementTimeoutMs?: number } = {}): Pool => {
  const pool = createPool({ databaseUrl, schema: name, max: 3, ...options });
  pools.push(pool);
  return pool;
};

const conversation = (pool: Pool, id: string, at: number) =>
  insertUserMessage(pool, { tenantId: 'tenant-a', conversationId: id, requestId: `${id}-r1`, content: 'question', createdAt: at, userId: 'u1', model: 'auto' });

const conversationIds = (pool: Pool): Promise<string[]> => withAllTenants(pool, 'test: list conversations', async (client) =>
  (await client.query<{ id: string }>('SELECT id FROM conversations ORDER BY id')).rows.map(({ id }) => id));

/** A counter of the service's registry, summed over the series matching `labels`. */
const metric = async (from: Service, name: string, labels: Record<string, string> = {}): Promise<number> => {
  let total = 0;
  for (const line of (await from.metrics.render()).split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
};

after(async () => {
  await Promise.allSettled(services.map((each) => each.stop()));
  for (const pool of pools) await pool.end();
  for (const name of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  await admin.end();
});

test('config: 30d every 1h by default; 0 or off turns the schedule off; bad values name the variable', () => {
  const defaults = settings();
  assert.equal(defaults.CONVERSATION_RETENTION, 30 * DAY);
  assert.equal(defaults.CLEANUP_INTERVAL, HOUR);
  for (const off of ['0', 'off', 'OFF', '0s']) assert.equal(settings({ CONVERSATION_RETENTION: off }).CONVERSATION_RETENTION, 0, off);
  assert.throws(() => settings({ CONVERSATION_RETENTION: '30' }), (error: unknown) => error instanceof ConfigError && /CONVERSATION_RETENTION/.test(error.message));
  assert.throws(() => settings({ CONVERSATION_RETENTION: '30s' }), (error: unknown) => error instanceof ConfigError && /CONVERSATION_RETENTION.*at least 1h/s.test(error.message), 'a typo for 30d is refused');
  assert.equal(settings({ CONVERSATION_RETENTION: '1h' }).CONVERSATION_RETENTION, 3_600_000);
  for (const bad of ['0s', '25d', 'soon']) {
    assert.throws(() => settings({ CLEANUP_INTERVAL: bad }), (error: unknown) => error instanceof ConfigError && /CLEANUP_INTERVAL/.test(error.message), bad);
  }
  const stopped: unknown[] = [];
  const off = { ...service(), onStop: (component: unknown) => void stopped.push(component) };
  assert.equal(conversationCleanup(settings({ CONVERSATION_RETENTION: 'off' }), admin, off), undefined, 'no schedule');
  assert.deepEqual(stopped, [], 'nothing registered');
});

test('on a tiny interval, expired conversations disappear without the CLI, round after round; a fresh one stays; stop ends it', async () => {
  const pool = poolOn(await schema());
  const config = settings({ CONVERSATION_RETENTION: '1h', CLEANUP_INTERVAL: '200ms' });
  await conversation(pool, 'expired-1', Date.now() - 2 * HOUR);
  await conversation(pool, 'fresh', Date.now());
  const instance = service(config);
  const schedule = conversationCleanup(config, pool, instance);
  assert.ok(schedule);
  await waitFor(async () => !(await conversationIds(pool)).includes('expired-1'), { description: 'the first round', timeoutMs: 20_000, intervalMs: 50 });
  assert.deepEqual(await conversationIds(pool), ['fresh']);

  // A later round takes what expired since.
  await conversation(pool, 'expired-2', Date.now() - 3 * HOUR);
  await waitFor(async () => !(await conversationIds(pool)).includes('expired-2'), { description: 'a later round', timeoutMs: 20_000, intervalMs: 50 });
  assert.deepEqual(await conversationIds(pool), ['fresh']);
  assert.ok(await metric(instance, 'rivulet_cleanup_runs_total', { outcome: 'ok' }) >= 2);
  assert.equal(await metric(instance, 'rivulet_cleanup_removed_total', { kind: 'conversations' }), 2);
  assert.equal(await metric(instance, 'rivulet_cleanup_removed_total', { kind: 'messages' }), 2);

  // Shutdown (the service stops what conversationCleanup registered): no round after it.
  await instance.stop();
  const runs = await metric(instance, 'rivulet_cleanup_runs_total');
  await conversation(pool, 'expired-3', Date.now() - 3 * HOUR);
  await new Promise((resolve) => setTimeout(resolve, 800));
  assert.deepEqual(await conversationIds(pool), ['expired-3', 'fresh'], 'no round runs after stop');
  assert.equal(await metric(instance, 'rivulet_cleanup_runs_total'), runs);
});

test('two persistence instances running a round at the same time: one deletes, the other skips', async () => {
  const name = await schema();
  const [poolA, poolB] = [poolOn(name), poolOn(name)];
  await withAllTenants(poolA, 'test: seed conversations', (client) =>
    client.query(`INSERT INTO conversations (tenant_id, id, created_at, updated_at) SELECT 'tenant-a', 'old-' || n, now() - interval '40 days', now() - interval '40 days' FROM generate_series(1, 300) n`));
  const [a, b] = [service(), service()];
  // Timers far away: the rounds below are started by hand, together. Batches of one keep the winner's lock held for a while.
  const options = { retentionMs: 30 * DAY, intervalMs: HOUR, firstRoundDelayMs: HOUR, batchSize: 1 };
  const scheduleA = startCleanupSchedule({ ...options, pool: poolA, logger: a.logger, metrics: a.metrics });
  const scheduleB = startCleanupSchedule({ ...options, pool: poolB, logger: b.logger, metrics: b.metrics });
  try {
    const rounds = await Promise.all([scheduleA.runRound(), scheduleB.runRound()]);
    assert.deepEqual(rounds.map(({ outcome }) => outcome).sort(), ['done', 'skipped']);
    assert.equal((await conversationIds(poolA)).length, 0);
    const total = async (metricName: string, labels: Record<string, string>) => (await metric(a, metricName, labels)) + (await metric(b, metricName, labels));
    assert.equal(await total('rivulet_cleanup_runs_total', { outcome: 'ok' }), 1);
    assert.equal(await total('rivulet_cleanup_runs_total', { outcome: 'skipped' }), 1);
    assert.equal(await total('rivulet_cleanup_removed_total', { kind: 'conversations' }), 300, 'each conversation deleted once, by one instance');
  } finally {
    await Promise.all([scheduleA.stop(), scheduleB.stop()]);
  }
});

test('a failed round is counted, the process carries on, and the next interval succeeds', async () => {
  const name = await schema();
  // Statements time out after 300 ms: while the test holds the table, every round fails.
  const pool = poolOn(name, { statementTimeoutMs: 300 });
  await conversation(pool, 'expired', Date.now() - 2 * HOUR);
  const blocker = await poolOn(name).connect();
  await blocker.query('BEGIN; LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE');
  const instance = service();
  const schedule = startCleanupSchedule({ pool, retentionMs: HOUR, intervalMs: 100, firstRoundDelayMs: 0, logger: instance.logger, metrics: instance.metrics });
  try {
    await waitFor(async () => (await metric(instance, 'rivulet_cleanup_runs_total', { outcome: 'failed' })) >= 2, { description: 'failed rounds, each retried', timeoutMs: 20_000, intervalMs: 50 });
    await blocker.query('COMMIT');
    await waitFor(async () => (await conversationIds(pool)).length === 0, { description: 'a round once the table is free', timeoutMs: 20_000, intervalMs: 50 });
    assert.ok(await metric(instance, 'rivulet_cleanup_runs_total', { outcome: 'ok' }) >= 1);
    assert.equal(await metric(instance, 'rivulet_cleanup_removed_total', { kind: 'conversations' }), 1);
  } finally {
    await blocker.query('ROLLBACK').catch(() => undefined);
    blocker.release();
    await schedule.stop();
  }
});
