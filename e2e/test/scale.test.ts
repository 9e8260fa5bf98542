// Scaling out and back in while 1,000 documents are ingested: a second and a third embedding
// worker join, then one is stopped with SIGTERM and one killed with SIGKILL. `rivulet status`
// must show each rebalance (who owns which partition), every document must complete, and no
// chunk may be stored twice. Documents are posted in four waves, each released by the state the
// previous step reached, so every step happens with work in flight whatever the machine's speed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { GroupStatus, StatusReport } from '@rivulet/cli';
import { TOPIC_SPECS, TOPICS } from '@rivulet/schemas';
import { api } from './support/api.js';
import { asTenant, database } from './support/local.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';
import { membership, rivuletStatus, waitForGroup } from './support/status.js';

const DOCUMENTS = 1000;
const WAVE = DOCUMENTS / 4;
const PARTITIONS = TOPIC_SPECS.find(({ name }) => name === TOPICS.chunks)!.partitions;
// Each instance presents its own client id, which is how `rivulet status` names a group's members.
const CLIENT = { embedding: 'rivulet-embedding', 'embedding#2': 'rivulet-embedding-2', 'embedding#3': 'rivulet-embedding-3' } as const;

let pipeline: Pipeline;
const pool = database();
before(async () => {
  pipeline = await startPipeline();
});
after(async () => {
  await pipeline?.close();
  await pool.end();
});

test(`${DOCUMENTS} documents while embedding scales 1 → 3 → 2 (SIGTERM) → 1 (SIGKILL): status shows each rebalance, all complete, no duplicate chunks`, { timeout: 300_000 }, async (context) => {
  const client = api(pipeline);
  const run = randomBytes(4).toString('hex');
  const chunksTopic = pipeline.topicPrefix + TOPICS.chunks;
  const started = Date.now();
  const at = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const timeline: string[] = [];
  const note = (line: string) => timeline.push(`${at()} ${line}`);

  // One chunk each; unique text per run and document, so the embedding cache cannot answer.
  const text = (index: number) => `Field note ${run}-${index}: the river gauge at station ${index % 97} read ${(index * 7) % 300} centimetres after the night's rain, and the ferry kept to its timetable.`;
  const post = async (from: number) => {
    for (let start = from; start < from + WAVE; start += 50) {
      const statuses = await Promise.all(Array.from({ length: 50 }, (_, offset) => client.postText({ id: `doc-${start + offset}`, text: text(start + offset) }).then(({ status }) => status)));
      assert.deepEqual(statuses.filter((status) => status !== 202), [], 'every upload accepted');
    }
  };
  const embedded = (name: keyof typeof CLIENT) => pipeline.metric(name, 'rivulet_consumer_messages_total', { event_type: 'chunk-created' });
  const completed = async () => (await asTenant<{ count: number }>(pool, pipeline.tenant, "SELECT count(*)::int AS count FROM documents WHERE tenant_id = $1 AND status = 'completed'", [pipeline.tenant])).rows[0]!.count;
  const embeddingGroup = (report: StatusReport) => report.consumerGroups.groups.find((group) => group.worker === 'embedding' && group.partitions.some(({ topic }) => topic === chunksTopic));
  // Stable, exactly these members, each owning some partitions, every partition owned exactly once.
  const settledOn = (clients: readonly string[]) => (group: GroupStatus) => {
    const members = membership(group, chunksTopic);
    const owned = members.flatMap(({ partitions }) => partitions).sort((a, b) => a - b);
    return group.state === 'Stable'
      && members.map(({ clientId }) => clientId).join() === [...clients].sort().join()
      && members.every(({ partitions }) => partitions.length > 0)
      && owned.join() === Array.from({ length: PARTITIONS }, (_, partition) => partition).join();
  };
  const expectGroup = (clients: readonly string[], what: string) =>
    waitForGroup(pipeline.topicPrefix, { pick: embeddingGroup, accept: settledOn(clients), topic: chunksTopic, what, seen: (state) => note(`status: ${state}`) });
  const until = async (condition: () => Promise<boolean>, what: string, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      assert.ok(Date.now() < deadline, `${what} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  // Wave 1 with one embedding worker: it owns every partition.
  await post(0);
  note(`wave 1 posted (${WAVE} documents)`);
  await expectGroup([CLIENT.embedding], 'one member owning every partition');

  // Scale out to three processes while wave 1 is in flight.
  await Promise.all((['embedding#2', 'embedding#3'] as const).map((name) => pipeline.start(name, { KAFKA_CLIENT_ID: CLIENT[name] })));
  note('embedding#2 and embedding#3 ready');
  const spread = await expectGroup(Object.values(CLIENT), 'three members sharing the partitions');
  await post(WAVE);
  note(`wave 2 posted; ${await completed()} documents completed`);
  // The new members must do real work before they go, or nothing here would prove the scaling.
  await until(async () => (await embedded('embedding#2')) > 0 && (await embedded('embedding#3')) > 0, 'embedding#2 and embedding#3 each embedded chunks');
  const embeddedBy = { embedding: 0, 'embedding#2': await embedded('embedding#2'), 'embedding#3': 0 };

  // Scale in: SIGTERM drains, commits and leaves the group at once.
  const wave3 = post(2 * WAVE);
  const terminated = await pipeline.stop('embedding#2', 'SIGTERM');
  note(`embedding#2 exited with ${terminated} after SIGTERM`);
  assert.equal(terminated, 0, 'a worker stopped with SIGTERM exits cleanly');
  await expectGroup([CLIENT.embedding, CLIENT['embedding#3']], 'two members after the SIGTERM');
  await wave3;

  // SIGKILL with documents in flight (all 1,000 posted, not all embedded): the dead member keeps
  // its partitions until the session timeout, and what it had not committed is redelivered.
  await post(3 * WAVE);
  embeddedBy.embedding = await embedded('embedding');
  const killed = await pipeline.stop('embedding', 'SIGKILL');
  const killedAt = Date.now();
  const completedAtKill = await completed();
  note(`embedding killed (exit ${killed}); ${completedAtKill} documents completed`);
  assert.ok(completedAtKill < DOCUMENTS, `the kill landed while posted documents were still being embedded (${completedAtKill} of ${DOCUMENTS} completed)`);
  const settled = await expectGroup([CLIENT['embedding#3']], 'the survivor owning every partition after the SIGKILL');
  const reassignedAfterMs = Date.now() - killedAt;

  await until(async () => (await completed()) === DOCUMENTS, `all ${DOCUMENTS} documents completed`, 180_000);
  note('all documents completed');
  embeddedBy['embedding#3'] = await embedded('embedding#3');
  for (let start = 0; start < DOCUMENTS; start += 100) {
    const statuses = await Promise.all(Array.from({ length: 100 }, (_, offset) => client.get(`doc-${start + offset}`)));
    assert.deepEqual(statuses.filter(({ body }) => body.status !== 'completed' || body.chunks !== 1).map(({ body }) => body), [], 'every document completed with its one chunk, through the API');
  }

  // The primary key already forbids two rows of one (document, version, chunk, index version); a
  // chunk stored twice would show as a second row under another version or index version, or as
  // rows left waiting in pending_chunks.
  const { rows } = await asTenant<{ rows: number; distinct_keys: number; expected: number; pending: number }>(pool, pipeline.tenant,
    `SELECT count(*)::int AS rows,
            count(DISTINCT (document_id, chunk_index))::int AS distinct_keys,
            (SELECT sum(chunk_count)::int FROM documents WHERE tenant_id = $1) AS expected,
            (SELECT count(*)::int FROM pending_chunks WHERE tenant_id = $1) AS pending
       FROM chunks WHERE tenant_id = $1`,
    [pipeline.tenant],
  );
  assert.equal(rows[0]!.rows, rows[0]!.distinct_keys, 'no chunk stored twice (under another version or index version)');
  assert.equal(rows[0]!.pending, 0, 'nothing left waiting in pending_chunks');
  assert.equal(rows[0]!.expected, DOCUMENTS, 'one chunk per document');
  assert.equal(rows[0]!.rows, rows[0]!.expected, 'exactly the chunks the documents say they have');

  // Every instance worked; the survivor saw each rebalance (joining three, the SIGTERM, the SIGKILL).
  for (const [name, count] of Object.entries(embeddedBy)) assert.ok(count > 0, `${name} embedded chunks (${count})`);
  const rebalances = await pipeline.metric('embedding#3', 'rivulet_consumer_rebalances_total', { group: settled.groupId });
  assert.ok(rebalances >= 3, `embedding#3 went through at least 3 rebalances of ${settled.groupId} (${rebalances})`);
  const final = await rivuletStatus(pipeline.topicPrefix);
  assert.equal(final.topics.deadLetter.total, 0, 'nothing was dead-lettered');
  const written = final.topics.topics.find(({ name }) => name === TOPICS.chunksEmbedded)?.endOffsetTotal ?? 0;

  context.diagnostic(`three members: ${membership(spread, chunksTopic).map(({ clientId, partitions }) => `${clientId} [${partitions.join(',')}]`).join(', ')}`);
  context.diagnostic(`chunks embedded per instance (counted before it stopped): ${Object.entries(embeddedBy).map(([name, count]) => `${name} ${count}`).join(', ')}`);
  context.diagnostic(`after the SIGKILL the survivor owned every partition ${(reassignedAfterMs / 1000).toFixed(1)} s later (KAFKA_SESSION_TIMEOUT 6 s in tests); ${rebalances} rebalances seen by embedding#3`);
  context.diagnostic(`chunk-embedded events written ${written} for ${DOCUMENTS} chunks (${written - DOCUMENTS} embedded again after a rebalance or the kill; stored once)`);
  context.diagnostic(`timeline: ${timeline.join(' | ')}`);
});
