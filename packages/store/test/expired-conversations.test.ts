// The cleanup lock of deleteExpiredConversations on the real PostgreSQL, in a schema of its own
// (the lock is per schema, so nothing else running on the database takes part).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CONVERSATION_CLEANUP_LOCK, deleteExpiredConversations, withAllTenants } from '../src/index.js';
import { testSchema } from '../src/testing.js';

const { pool, setUp, tearDown } = testSchema({ prefix: 'expiry_test', max: 6 });
const DAY = 86_400_000;
const olderThan = new Date(Date.now() - 30 * DAY);

/** `count` conversations of `tenantId`, each with one message, last active at `at`. */
const seed = (tenantId: string, count: number, at: number) => withAllTenants(pool, 'test: seed conversations', async (client) => {
  await client.query(`INSERT INTO conversations (tenant_id, id, updated_at, created_at) SELECT $1, 'c-' || n, $3, $3 FROM generate_series(1, $2::int) n`, [tenantId, count, new Date(at)]);
  await client.query(
    `INSERT INTO messages (tenant_id, id, conversation_id, request_id, role, content, created_at)
     SELECT $1, 'c-' || n || ':user', 'c-' || n, 'r-' || n, 'user', 'question', $3 FROM generate_series(1, $2::int) n`,
    [tenantId, count, new Date(at)],
  );
});

const remaining = (tenantId: string): Promise<number> => withAllTenants(pool, 'test: count conversations', async (client) =>
  (await client.query<{ count: number }>('SELECT count(*)::int AS count FROM conversations WHERE tenant_id = $1', [tenantId])).rows[0]!.count);

/** Holds the cleanup lock on a connection of the test's own, as a round elsewhere would. */
const holdLock = async () => {
  const client = await pool.connect();
  const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(hashtext($1 || ':' || current_schema())) AS locked`, [CONVERSATION_CLEANUP_LOCK]);
  assert.equal(rows[0]!.locked, true);
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await client.query(`SELECT pg_advisory_unlock(hashtext($1 || ':' || current_schema()))`, [CONVERSATION_CLEANUP_LOCK]);
      client.release();
    },
  };
};

before(setUp);
after(tearDown);

test('a round finding the lock taken skips and deletes nothing; one that may wait runs once it is free', async () => {
  await seed('held', 3, Date.now() - 40 * DAY);
  const lock = await holdLock();
  try {
    assert.deepEqual(await deleteExpiredConversations(pool, { olderThan }), { outcome: 'skipped', conversations: 0, messages: 0, batches: 0 });
    assert.equal(await remaining('held'), 3);
    assert.equal((await deleteExpiredConversations(pool, { olderThan, dryRun: true })).conversations, 3, 'a dry run only reads: no lock needed');
    const waiting = deleteExpiredConversations(pool, { olderThan, lockWaitMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(await remaining('held'), 3, 'still waiting for the lock');
    await lock.release();
    assert.deepEqual(await waiting, { outcome: 'done', conversations: 3, messages: 3, batches: 1 });
  } finally {
    await lock.release();
  }
  assert.equal(await remaining('held'), 0);
  // The lock is free again after a round (a third round gets it at once).
  assert.equal((await deleteExpiredConversations(pool, { olderThan })).outcome, 'done');
});

test('two rounds started together: one deletes everything, the other skips', async () => {
  await seed('race', 300, Date.now() - 40 * DAY);
  // Batches of 1: the first round holds the lock for hundreds of transactions.
  const results = await Promise.all([deleteExpiredConversations(pool, { olderThan, batchSize: 1 }), deleteExpiredConversations(pool, { olderThan, batchSize: 1 })]);
  assert.deepEqual(results.map(({ outcome }) => outcome).sort(), ['done', 'skipped']);
  assert.equal(results.reduce((sum, { conversations }) => sum + conversations, 0), 300);
  assert.equal(await remaining('race'), 0);
});

test('the signal stops a round between batches; what it deleted is reported, and the lock is released', async () => {
  await seed('stopped', 200, Date.now() - 40 * DAY);
  const controller = new AbortController();
  const round = deleteExpiredConversations(pool, { olderThan, batchSize: 1, signal: controller.signal });
  while ((await remaining('stopped')) === 200) await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort();
  const result = await round;
  assert.equal(result.outcome, 'interrupted');
  assert.ok(result.conversations > 0 && result.conversations < 200, `deleted ${result.conversations}`);
  assert.equal(await remaining('stopped'), 200 - result.conversations);
  assert.deepEqual(await deleteExpiredConversations(pool, { olderThan }), { outcome: 'done', conversations: 200 - result.conversations, messages: 200 - result.conversations, batches: 1 });
});
