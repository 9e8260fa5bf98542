// `rivulet reindex` on the real pipeline (docs/decisions/0014-reindex.md): searches keep answering
// from the old model's index until the switch and from the new model's after it, never nothing
// and never a mix; a cost cap stops a run early without touching search; the old version is
// dropped. On the database `rivulet_scratch` (infra/postgres/setup.sql): switching the active
// index version is global to a database, and other tests share `rivulet`.
//
// The new model is an OpenAI-compatible one, served by the fake provider (deterministic vectors
// from a hash of model and text, 32 dimensions): the fp32 ONNX file of all-MiniLM-L6-v2 is not
// installable here (docs/decisions/0004), and vectors that have nothing in common with the
// local model's make every answer tell which version served it.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startFakeOpenAI, type FakeProviderServer } from '@rivulet/fake-providers';
import { createPool, migrate, withAllTenants, type Pool } from '@rivulet/store';
import { api } from './support/api.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

const scratchUrl = (() => {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet');
  url.pathname = '/rivulet_scratch';
  return url.toString();
})();
const bin = fileURLToPath(new URL('../../packages/cli/bin/rivulet.js', import.meta.url));

const SUBJECTS = [
  'Lighthouses guide ships past rocky coasts with rotating lenses and bright lamps at night.',
  'Honey bees keep their hive warm in winter by shivering their flight muscles together.',
  'Sourdough bread rises slowly because wild yeast and lactic bacteria ferment the dough.',
  'Glaciers carve deep valleys as the moving ice grinds rock into fine flour over centuries.',
  'Violin makers carve spruce tops and maple backs, then varnish the wood in thin layers.',
  'Tides follow the pull of the moon, rising and falling twice a day along most shores.',
  'Compost heaps turn kitchen scraps into soil when worms and fungi break the matter down.',
  'Chess openings such as the Sicilian defence fight for the centre from the first moves.',
  'Volcanoes erupt when pressure from molten rock and gas escapes through the crust.',
  'Coffee beans are roasted until their sugars caramelise and the aroma fills the room.',
  'Migrating swallows fly thousands of kilometres south to find insects in the winter.',
  'Bridges of steel cables hang their decks from tall towers anchored deep in bedrock.',
  'Origami folds a single square of paper into cranes, boxes and flowers without glue.',
  'Rainforests hold half of the species on the planet under a dense canopy of leaves.',
  'Submarines dive by flooding ballast tanks with sea water and rise by blowing them out.',
  'Cheese makers curdle milk with rennet, press the curds and age the wheels in caves.',
  'Solar panels turn sunlight into electric current in thin layers of doped silicon.',
  'Marathon runners train for months to run forty two kilometres at an even pace.',
  'Telescopes gather faint starlight with large mirrors polished to a perfect curve.',
  'Knitting loops yarn with two needles into rows of stitches that form a warm scarf.',
];
const QUERIES = ['How do ships avoid rocks at night?', 'What makes bread rise?', 'How does a submarine dive?'];

/** One search: when it was sent and when its answer came back (this process's clock, as the database's activated_at). */
interface Answer { query: string; started: number; finished: number; results: string[] }

/** The key the fake provider requires, set for the CLI and every worker (a remote model without its key is refused). */
const API_KEY = 'sk-reindex-test';

let pipeline: Pipeline;
let fake: FakeProviderServer;
let pool: Pool;

/** Empties what earlier runs left in the scratch database: rows, index versions, their HNSW indexes. */
const resetScratch = async (): Promise<void> => {
  await migrate({ databaseUrl: scratchUrl });
  const indexes = await pool.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 'chunks_embedding_v%'`);
  for (const { name } of indexes.rows) await pool.query(`DROP INDEX IF EXISTS ${name}`);
  await pool.query('TRUNCATE chunks, pending_chunks, documents, index_versions RESTART IDENTITY CASCADE');
};

interface CliRun { child: ChildProcess; stderr: () => string; done: Promise<{ code: number | null; stdout: string; stderr: string }> }

const startCli = (args: string[], env: Record<string, string> = {}): CliRun => {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, DATABASE_URL: scratchUrl, KAFKA_TOPIC_PREFIX: pipeline.topicPrefix, LOG_LEVEL: 'silent', EMBEDDING_OPENAI_API_KEY: API_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, stderr: () => stderr, done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr }))) };
};

const runCli = (args: string[], env: Record<string, string> = {}) => startCli(args, env).done;

/** Polls until `check` holds (no fixed sleeps). */
const waitUntil = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** When the embedding worker logged that it swapped models (its log file), or undefined before. */
const workerSwapped = async (): Promise<boolean> =>
  (await readFile(join(pipeline.logs, 'embedding.log'), 'utf8').catch(() => '')).includes('the active index version changed models');

const search = async (query: string, collection = 'default'): Promise<string[]> => {
  const response = await fetch(`${pipeline.url}/v1/search`, {
    method: 'POST', headers: { authorization: `Bearer ${pipeline.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, collection, top_k: 3 }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const body = (await response.json()) as { results: { documentId: string; score: number }[] };
  return body.results.map((result) => `${result.documentId}@${result.score.toFixed(5)}`);
};

const versions = async () =>
  (await pool.query<{ id: number; model_id: string; state: string }>('SELECT id, model_id, state FROM index_versions ORDER BY id')).rows;

/** Per index version: its shown chunks as `document@version#index`, sorted. */
const shownChunks = async (version: number): Promise<string[]> =>
  (await withAllTenants(pool, 'reindex test: compare versions', (client) =>
    client.query<{ chunk: string }>(`SELECT document_id || '@' || document_version || '#' || chunk_index AS chunk FROM chunks WHERE index_version = $1 ORDER BY 1`, [version]))).rows.map((row) => row.chunk);

before(async () => {
  pool = createPool({ databaseUrl: scratchUrl, max: 2 });
  await resetScratch();
  fake = await startFakeOpenAI({ embeddingDimension: 32, apiKey: API_KEY });
  pipeline = await startPipeline({
    processes: ['ingress', 'ingestion', 'embedding', 'indexer', 'retrieval'],
    // Every chunk is searched: the fake model's vectors are not semantic (no score threshold fits
    // them), and these tests compare whole answers across the switch, not their relevance.
    env: { DATABASE_URL: scratchUrl, EMBEDDING_MODEL_REFRESH: '1s', EMBEDDING_OPENAI_API_KEY: API_KEY, RETRIEVAL_MIN_SCORE: '-1' },
  });
  const client = api(pipeline);
  for (const [index, text] of SUBJECTS.entries()) assert.equal((await client.postText({ id: `doc-${index}`, text })).status, 202);
  for (const index of SUBJECTS.keys()) assert.equal((await client.waitFor(`doc-${index}`)).status, 'completed');
});

after(async () => {
  await pipeline?.close();
  await fake?.close();
  if (pool) {
    await resetScratch().catch(() => undefined);
    await pool.end();
  }
});

test('a cost cap stops the re-index before it could pass the cap: exit 3, cost_cap_reached, the version left building, search unaffected', { timeout: 60_000 }, async () => {
  const baseline = await Promise.all(QUERIES.map((query) => search(query)));
  const cap = 0.35;
  const price = 1_000; // $0.001 a token; the fake counts a token per word (about 15 a chunk), a chunk's upper bound is its bytes
  const run = await runCli(['reindex', '--model', 'openai:fake-costly', '--dimension', '32', '--base-url', fake.url, '--price-per-million-tokens', String(price), '--max-cost', String(cap), '--batch-size', '1', '--json']);
  assert.equal(run.code, 3, run.stderr);
  const outcome = JSON.parse(run.stdout) as { indexVersion: number; switched: boolean; embedded: number; costUsd: number; error: { code: string } };
  assert.equal(outcome.error.code, 'cost_cap_reached');
  assert.match(run.stderr, /cost_cap_reached/);
  assert.equal(outcome.switched, false);
  assert.ok(outcome.embedded > 0 && outcome.embedded < SUBJECTS.length, `embedded ${outcome.embedded} of ${SUBJECTS.length}`);
  const billed = fake.requests.filter((request) => request.path === '/v1/embeddings')
    .reduce((sum, request) => sum + (request.body as { input: string[] }).input.reduce((words, text) => words + text.split(/\s+/).filter(Boolean).length, 0), 0);
  assert.ok(billed * price / 1e6 <= cap, `billed $${billed * price / 1e6} > cap $${cap}`);
  assert.ok(outcome.costUsd <= cap && Math.abs(outcome.costUsd - billed * price / 1e6) < 1e-9, 'the report counts what the provider billed');
  assert.deepEqual((await versions()).map((version) => version.state), ['active', 'building']);
  assert.deepEqual(await Promise.all(QUERIES.map((query) => search(query))), baseline, 'search still reads the old version');

  const drop = await runCli(['reindex', '--drop', String(outcome.indexVersion), '--yes', '--json']);
  assert.equal(drop.code, 0, drop.stderr);
  assert.deepEqual((await versions()).map((version) => version.state), ['active', 'dropped'], 'a building version with no running re-index can be dropped');
});

test('rivulet reindex switches search to the new model atomically: every answer is the old model\'s until the workers switch, then the new one\'s, never empty or mixed; then the old version is dropped', { timeout: 120_000 }, async (context) => {
  const client = api(pipeline);
  const [old] = (await versions()).filter((version) => version.state === 'active');
  const baseline = new Map(await Promise.all(QUERIES.map(async (query) => [query, await search(query)] as const)));
  assert.ok([...baseline.values()].every((results) => results.length === 3));

  const answers: Answer[] = [];
  let searching = true;
  let swappedAt: number | undefined;
  const searches = (async () => {
    for (let turn = 0; searching; turn += 1) {
      const query = QUERIES[turn % QUERIES.length]!;
      const started = Date.now();
      const results = await search(query);
      answers.push({ query, started, finished: Date.now(), results });
      if (swappedAt === undefined && await workerSwapped()) swappedAt = Date.now();
    }
  })();

  // Slow enough (2 chunks/s, 21 chunks) that the replay cannot catch up before the late document
  // below is completed in the old version; and the CLI is held (SIGSTOP) from the moment it said it
  // is building until that document is completed, so the order does not depend on timing luck.
  const reindex = startCli(['reindex', '--model', 'openai:fake-embed', '--dimension', '32', '--base-url', fake.url, '--rate', '2', '--batch-size', '1', '--linger', '3s', '--json']);
  await waitUntil(() => /building index version \d+/.test(reindex.stderr()) || reindex.child.exitCode !== null, 'the CLI to say it is building');
  assert.match(reindex.stderr(), /building index version \d+/, reindex.stderr());
  reindex.child.kill('SIGSTOP');
  try {
    // A document that arrives while the re-index runs: on the old model's path and on the replay.
    assert.equal((await client.postText({ id: 'late', collection: 'late', text: 'Penguins huddle together on the ice to survive the long antarctic winter.' })).status, 202);
    assert.equal((await client.waitFor('late', { collection: 'late' })).status, 'completed', 'completed in the old version before the re-index may go on');
  } finally {
    reindex.child.kill('SIGCONT');
  }
  const run = await reindex.done;
  searching = false;
  await searches;
  assert.equal(run.code, 0, run.stderr);
  const outcome = JSON.parse(run.stdout) as { indexVersion: number; switched: boolean; previous: number; switchedAt: string; embedded: number; error: unknown; notCarried: { total: number } };
  assert.equal(outcome.switched, true);
  assert.equal(outcome.previous, old!.id);
  assert.equal(outcome.error, null);
  assert.equal(outcome.notCarried.total, 0, 'the post-switch check found every document of the old version in the new one');
  assert.ok(outcome.embedded >= SUBJECTS.length + 1, `embedded ${outcome.embedded}`);
  await waitUntil(async () => swappedAt !== undefined || (await workerSwapped() && (swappedAt = Date.now()) > 0), 'the embedding worker to log its swap');

  // The worker swapped models: every search from now on uses the new model.
  const fresh = new Map(await Promise.all(QUERIES.map(async (query) => [query, await search(query)] as const)));
  for (const query of QUERIES) assert.notDeepEqual(fresh.get(query), baseline.get(query), 'the two models rank differently (else this test could not tell them apart)');
  // The commit of the switch, by the database's clock (this machine's, as Date.now()).
  const activatedAt = (await pool.query<{ at: Date }>('SELECT activated_at AS at FROM index_versions WHERE id = $1', [outcome.indexVersion])).rows[0]!.at.getTime();
  let sawNew = false;
  for (const answer of answers) {
    const when = `${answer.started - activatedAt}..${answer.finished - activatedAt} ms from the switch`;
    assert.ok(answer.results.length > 0, `an empty answer at ${when}`);
    const isOld = JSON.stringify(answer.results) === JSON.stringify(baseline.get(answer.query));
    const isNew = JSON.stringify(answer.results) === JSON.stringify(fresh.get(answer.query));
    assert.ok(isOld || isNew, `an answer of neither model (a mix?) at ${when}: ${answer.results.join(', ')}`);
    if (isNew) sawNew = true;
    else assert.ok(!sawNew, 'once the worker switched models, no answer comes from the old one again');
    if (answer.finished < activatedAt) assert.ok(isOld, `finished before the switch committed: the old model (${when})`);
    if (swappedAt !== undefined && answer.started > swappedAt) assert.ok(isNew, `started after the worker logged its swap: the new model (${when})`);
  }
  const before = answers.filter((answer) => answer.finished < activatedAt).length;
  const between = answers.length - before - answers.filter((answer) => swappedAt !== undefined && answer.started > swappedAt).length;
  context.diagnostic(`${answers.length} searches: ${before} finished before the switch, ${between} around it or before the worker swapped (either model, never empty or mixed), the rest after the swap`);
  assert.ok(before > 0, 'searches ran before the switch');
  // The old-model answers right after the switch came from the retired version: never nothing.

  assert.deepEqual(await shownChunks(outcome.indexVersion), await shownChunks(old!.id), 'the new version shows exactly the chunks of the old one');
  assert.deepEqual((await search('Which birds survive the antarctic winter?', 'late')).map((result) => result.split('@')[0]), ['late'], 'the document ingested during the re-index is searchable');
  assert.deepEqual((await versions()).map((version) => version.state), ['retired', 'dropped', 'active']);

  const refused = await runCli(['reindex', '--drop', String(outcome.indexVersion), '--yes']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /version_active/);

  const dropped = await runCli(['reindex', '--drop', String(old!.id), '--yes', '--json']);
  assert.equal(dropped.code, 0, dropped.stderr);
  const report = JSON.parse(dropped.stdout) as { rows: { chunks: number }; index: string };
  assert.equal(report.rows.chunks, SUBJECTS.length + 1);
  assert.deepEqual(await shownChunks(old!.id), []);
  const indexes = await pool.query(`SELECT 1 FROM pg_indexes WHERE indexname = $1`, [report.index]);
  assert.equal(indexes.rowCount, 0, 'its HNSW index is gone');
  assert.deepEqual(await Promise.all(QUERIES.map((query) => search(query))), QUERIES.map((query) => fresh.get(query)), 'search is unchanged by the drop');

  const list = await runCli(['reindex', '--list', '--json']);
  const listed = (JSON.parse(list.stdout) as { versions: { id: number; state: string; chunks: number }[] }).versions;
  assert.deepEqual(listed.map((version) => [version.id, version.state]), [[old!.id, 'dropped'], [old!.id + 1, 'dropped'], [outcome.indexVersion, 'active']]);
  assert.equal(listed.at(-1)!.chunks, SUBJECTS.length + 1);
});
