// The persistence worker's retention schedule as an operator runs it (`rivulet worker persistence`
// with CONVERSATION_RETENTION and CLEANUP_INTERVAL) on the shared database. The retention is a
// century, so only this test's conversations, dated two centuries back, are old enough to go.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertUserMessage, withTenant } from '@rivulet/store';
import { database } from './support/local.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

const YEAR = 365 * 86_400_000;
let pipeline: Pipeline;
const pool = database();

before(async () => {
  pipeline = await startPipeline({ processes: ['persistence'], env: { CONVERSATION_RETENTION: '36500d', CLEANUP_INTERVAL: '500ms' } });
});
after(async () => {
  await pipeline?.close();
  await withTenant(pool, pipeline.tenant, (client) => client.query('DELETE FROM conversations WHERE tenant_id = $1', [pipeline.tenant])).catch(() => undefined);
  await pool.end();
});

const conversationIds = (): Promise<string[]> => withTenant(pool, pipeline.tenant, async (client) =>
  (await client.query<{ id: string }>('SELECT id FROM conversations WHERE tenant_id = $1 ORDER BY id', [pipeline.tenant])).rows.map(({ id }) => id));

test('the persistence worker deletes expired conversations on its schedule, counts its rounds, and stops cleanly', { timeout: 120_000 }, async () => {
  const conversation = (id: string, at: number) =>
    insertUserMessage(pool, { tenantId: pipeline.tenant, conversationId: id, requestId: `${id}-r1`, content: 'question', createdAt: at, userId: 'u1', model: 'auto' });
  await conversation('ancient', Date.now() - 200 * YEAR);
  await conversation('recent', Date.now() - YEAR);

  const deadline = Date.now() + 60_000;
  while ((await conversationIds()).includes('ancient')) {
    assert.ok(Date.now() < deadline, 'the ancient conversation is deleted within a minute');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.deepEqual(await conversationIds(), ['recent']);
  // The round counts itself after its deletes commit: wait for the counters rather than race them.
  const counted = async () => (await pipeline.metric('persistence', 'rivulet_cleanup_runs_total', { outcome: 'ok' })) >= 1
    && (await pipeline.metric('persistence', 'rivulet_cleanup_removed_total', { kind: 'conversations' })) >= 1;
  const countedBy = Date.now() + 10_000;
  while (!(await counted())) {
    assert.ok(Date.now() < countedBy, 'the round and its removals are counted in /metrics');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(await pipeline.stop('persistence'), 0, 'SIGTERM with the schedule running: a clean exit');
});
