import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { after, test } from 'node:test';
import { createPool, migrate, MIGRATIONS_DIR, withTransaction } from '../src/index.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
const schema = `migrate_test_${randomBytes(4).toString('hex')}`;
const pool = createPool({ databaseUrl, schema, max: 4 });

after(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

test('migrations apply forward once, and concurrent starts do not apply them twice', async () => {
  const runs = await Promise.all([migrate({ databaseUrl, schema }), migrate({ databaseUrl, schema }), migrate({ databaseUrl, schema })]);
  const applied = runs.flat();
  const files = (await readdir(MIGRATIONS_DIR)).filter((file) => file.endsWith('.sql')).map((file) => file.replace(/\.sql$/, '')).sort();
  assert.ok(files.length >= 2);
  assert.deepEqual([...applied].sort(), files, 'each migration applied exactly once across three racing processes');
  assert.deepEqual(await migrate({ databaseUrl, schema }), [], 'nothing pending on a second run');
  const { rows } = await pool.query<{ name: string }>(`SELECT name FROM ${schema}.rivulet_migrations ORDER BY run_on`);
  assert.deepEqual(rows.map((row) => row.name), files);
});

test('the application role is not a superuser, and pgvector is usable by it', async () => {
  const { rows } = await pool.query<{ rolsuper: boolean; distance: number }>(
    `SELECT r.rolsuper, '[1,0,0]'::vector <=> '[0,1,0]'::vector AS distance FROM pg_roles r WHERE r.rolname = current_user`,
  );
  assert.equal(rows[0]!.rolsuper, false);
  assert.equal(rows[0]!.distance, 1);
});

test('the idempotency ledger refuses a second row for the same event, and a failed transaction leaves nothing', async () => {
  await migrate({ databaseUrl, schema });
  const insert = `INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`;
  const first = await pool.query(insert, ['group-a', 'event-1']);
  const second = await pool.query(insert, ['group-a', 'event-1']);
  assert.equal(first.rowCount, 1);
  assert.equal(second.rowCount, 0);
  await assert.rejects(
    withTransaction(pool, async (client) => {
      await client.query(insert, ['group-a', 'event-2']);
      throw new Error('handler failed after writing');
    }),
    /handler failed/,
  );
  const { rows } = await pool.query<{ count: string }>(`SELECT count(*) FROM processed_events WHERE event_id = 'event-2'`);
  assert.equal(rows[0]!.count, '0');
});
