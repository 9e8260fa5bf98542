import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { createPool } from '@rivulet/store';
import { thingCreated } from './support/catalog.js';
import { environment, uniqueName, waitFor } from './support/environment.js';
import { createHarness } from './support/harness.js';

const EVENTS = 2_000;
const fixture = fileURLToPath(new URL('./fixtures/sink-worker.ts', import.meta.url));
const pool = createPool({ databaseUrl: environment.databaseUrl, max: 2 });
const schema = uniqueName('crash').replace(/-/g, '_');
const children: ChildProcess[] = [];

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

const count = async (table: string): Promise<number> => {
  const { rows } = await pool.query<{ count: string }>(`SELECT count(*) FROM ${schema}.${table}`);
  return Number(rows[0]!.count);
};

test(`a consumer killed with SIGKILL mid-batch loses nothing: ${EVENTS} events land exactly once in an idempotent sink`, { timeout: 180_000 }, async (context) => {
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(`CREATE TABLE ${schema}.sink (event_id text PRIMARY KEY, stored_at timestamptz NOT NULL DEFAULT now())`);
  await pool.query(`CREATE TABLE ${schema}.deliveries (event_id text NOT NULL)`);
  const harness = await createHarness({ partitions: 3 });
  after(() => harness.close());

  const events = Array.from({ length: EVENTS }, (_, index) => thingCreated(index, `thing-${index % 50}`));
  for (let start = 0; start < EVENTS; start += 500) {
    await harness.producer.send(events.slice(start, start + 500).map((value) => ({ topic: harness.topics.input, type: 'thing-created' as const, key: value.payload.thingId, value })));
  }

  const config = JSON.stringify({
    brokers: environment.brokers, registryUrl: environment.registryUrl, databaseUrl: environment.databaseUrl, schema,
    namespace: harness.namespace, groupId: uniqueName('sink'), topic: harness.topics.input, deadLetterTopic: harness.topics.deadLetter,
  });
  const start = (): ChildProcess => {
    const child = fork(fixture, [config], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    children.push(child);
    return child;
  };

  const first = start();
  await waitFor(async () => (await count('sink')) >= EVENTS / 5, { timeoutMs: 60_000, description: 'the first worker to store some events' });
  first.kill('SIGKILL');
  await once(first, 'exit');
  const storedAtKill = await count('sink');
  assert.ok(storedAtKill < EVENTS, `the kill must land mid-batch (stored ${storedAtKill} of ${EVENTS})`);

  const second = start();
  await waitFor(async () => (await count('sink')) === EVENTS, { timeoutMs: 120_000, description: `all ${EVENTS} events in the sink` });
  second.kill('SIGTERM');
  await once(second, 'exit');

  const { rows } = await pool.query<{ event_id: string }>(`SELECT event_id FROM ${schema}.sink`);
  assert.deepEqual(new Set(rows.map((row) => row.event_id)), new Set(events.map((event) => event.eventId)), 'every produced event, each once');
  const deliveries = await count('deliveries');
  assert.ok(deliveries >= EVENTS, 'at-least-once: every event was delivered');
  context.diagnostic(`stored ${storedAtKill} before SIGKILL, ${deliveries - EVENTS} redelivered after restart, sink holds ${rows.length}`);
});
