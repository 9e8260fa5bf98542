import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { api } from './support/api.js';
import { asTenant, database } from './support/local.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

const DOCUMENTS = 200;
let pipeline: Pipeline;
const pool = database();
before(async () => {
  pipeline = await startPipeline();
});
after(async () => {
  await pipeline?.close();
  await pool.end();
});

test(`the embedding worker killed with SIGKILL while ${DOCUMENTS} documents are in flight: all complete after a restart, no duplicate chunk rows`, { timeout: 600_000 }, async (context) => {
  const client = api(pipeline);
  const run = randomBytes(4).toString('hex');
  const ids = Array.from({ length: DOCUMENTS }, (_, index) => `doc-${index}`);
  // Unique text per run, so the embedding cache cannot answer for the model.
  const text = (index: number) =>
    Array.from({ length: 4 }, (_, paragraph) => `Report ${run}-${index}, part ${paragraph}: ${'the measurements were taken at dawn and again at dusk, and both agreed within the tolerance. '.repeat(3)}`).join('\n\n');
  for (let start = 0; start < DOCUMENTS; start += 20) {
    await Promise.all(ids.slice(start, start + 20).map(async (id, offset) => assert.equal((await client.postText({ id, text: text(start + offset) })).status, 202)));
  }

  const embedded = () => pipeline.metric('embedding', 'rivulet_consumer_messages_total', { event_type: 'chunk-created' });
  const deadline = Date.now() + 120_000;
  while ((await embedded()) < 50) {
    assert.ok(Date.now() < deadline, 'the embedding worker made progress before the kill');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const killedAt = await embedded();
  await pipeline.stop('embedding', 'SIGKILL');
  const completedAtKill = (await Promise.all(ids.map((id) => client.get(id)))).filter((response) => response.body.status === 'completed').length;
  assert.ok(completedAtKill < DOCUMENTS, `the kill landed while documents were in flight (${completedAtKill} completed)`);

  await pipeline.start('embedding');
  const results = await Promise.all(ids.map((id) => client.waitFor(id, { timeoutMs: 400_000 })));
  assert.deepEqual(results.filter((result) => result.status !== 'completed'), [], 'every document completed');

  const { rows } = await asTenant<{ rows: number; distinct_keys: number; expected: number }>(pool, pipeline.tenant,
    `SELECT count(*)::int AS rows,
            count(DISTINCT (document_id, document_version, chunk_index))::int AS distinct_keys,
            (SELECT sum(chunk_count)::int FROM documents WHERE tenant_id = $1) AS expected
       FROM chunks WHERE tenant_id = $1`,
    [pipeline.tenant],
  );
  assert.equal(rows[0]!.rows, rows[0]!.distinct_keys, 'no duplicate chunk rows');
  assert.equal(rows[0]!.rows, rows[0]!.expected, 'exactly the chunks the documents say they have');
  context.diagnostic(`${killedAt} chunks embedded before SIGKILL, ${completedAtKill}/${DOCUMENTS} documents completed at the kill`);
});
