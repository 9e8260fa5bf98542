// bench:quality: retrieval quality of the whole pipeline on a BEIR dataset (default SciFact):
// the corpus goes in through the public API, the pipeline chunks, embeds and indexes it, the
// queries are embedded the way the worker embeds and ranked against the index (a document
// scores its best chunk). Beside it, in the same run, the model alone on whole documents, as
// BEIR/MTEB evaluate it. See docs/benchmarks.md.
import { join, resolve } from 'node:path';
import { startPipeline } from '@rivulet/cli';
import { createPool, withTenant } from '@rivulet/store';
import { mapLimit } from '../support/concurrency.js';
import { documentsApi } from '../support/documents-api.js';
import { closeOnSignals } from '../support/signals.js';
import { loadModel, WORKER_DEFAULTS } from '../support/model.js';
import { commonOptions, integerOption, readOptions } from '../support/options.js';
import { waitForOtherPipelines, watchOtherPipelines } from '../support/other-pipelines.js';
import { defaultModelDirectory, invocationDirectory, repositoryRoot, serviceAddresses } from '../support/paths.js';
import { deleteAndWait, ingestAndWait, type IngestionTimings } from '../support/pipeline-run.js';
import { CHUNKS_WITH_VECTORS, INDEX_SHAPE } from '../support/queries.js';
import { printTable, ratio, round, writeResult } from '../support/report.js';
import { loadBeirDataset, type BeirDocument } from './beir.js';
import { cosine, embedAll, parseVector } from './embed-all.js';
import { evaluate, type Scored, type Scores } from './metrics.js';
import { rankInIndex, rankInMemory, truncateToTokens } from './retrieval.js';

/** all-MiniLM-L6-v2 on SciFact (MTEB, see SOURCE.txt in the dataset folder). */
const PUBLISHED = { dataset: 'beir-scifact', ndcgAt10: 0.64508, recallAt10: 0.78333, recallAt100: 0.925 };
const TARGET = 0.63;
/** The API's limit on a title (docs/protocol.md); longer BEIR titles are cut, the text is sent whole. */
const MAX_TITLE_LENGTH = 1000;

const options = readOptions('npm run bench:quality -w @rivulet/bench -- [options]', {
  dataset: { type: 'string', default: join(repositoryRoot, '..', 'shared', 'data', 'beir-scifact'), description: 'a BEIR-format folder (corpus.jsonl[.gz], queries.jsonl, qrels/<split>.tsv)' },
  split: { type: 'string', default: 'test', description: 'qrels split' },
  concurrency: { type: 'string', default: '16', description: 'uploads in flight at once' },
  'top-chunks': { type: 'string', default: '1000', description: 'nearest chunks read per query before grouping by document' },
  documents: { type: 'string', description: 'ingest only this many documents (every judged one first): a quick check, not comparable to published scores' },
  'no-baseline': { type: 'boolean', default: false, description: 'skip the model-alone baseline on whole documents' },
  diagnose: { type: 'boolean', default: false, description: 'also score: whole documents without titles, and the pipeline\'s chunks with the title in front (separates title, chunking and model effects)' },
  'wait-minutes': commonOptions.waitMinutes('20'),
  'timeout-minutes': { type: 'string', default: '120', description: 'give up ingesting after this long' },
  keep: commonOptions.keep(),
});
const concurrency = integerOption('concurrency', options.concurrency);
const topChunks = integerOption('top-chunks', options['top-chunks'], 100);
const waitMs = integerOption('wait-minutes', options['wait-minutes'], 0) * 60_000;
const timeoutMs = integerOption('timeout-minutes', options['timeout-minutes']) * 60_000;
const services = serviceAddresses(process.env);
const modelDirectory = defaultModelDirectory(process.env);
const startedAt = Date.now();
const phases: Record<string, number> = {};
const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  try {
    return await work();
  } finally {
    phases[name] = round((Date.now() - started) / 1000, 1);
  }
};

const datasetFolder = resolve(invocationDirectory(process.env), options.dataset!);
const dataset = await loadBeirDataset(datasetFolder, options.split);
let corpus: BeirDocument[] = dataset.corpus;
if (options.documents !== undefined) {
  const limit = integerOption('documents', options.documents);
  const judged = new Set([...dataset.qrels.values()].flatMap((judgements) => [...judgements.keys()]));
  corpus = [...corpus.filter((document) => judged.has(document.id)), ...corpus.filter((document) => !judged.has(document.id))].slice(0, Math.max(limit, 1));
}
const subset = corpus.length < dataset.corpus.length;
const collection = `beir-${dataset.name}`.slice(0, 128);
console.log(`bench:quality: ${dataset.name} (${options.split}): ${corpus.length}${subset ? ` of ${dataset.corpus.length} (SUBSET: not comparable)` : ''} documents, ${dataset.queries.length} queries`);

const model = await loadModel(modelDirectory, WORKER_DEFAULTS.threads);
const tokenizer = model.tokenizer!;
const queryVectors = await timed('embed queries', () => embedAll(model, dataset.queries.map((query) => query.text)));
const rank = (documentIds: string[], vectors: Float32Array[]) =>
  new Map(dataset.queries.map((query, index) => [query.id, rankInMemory(documentIds, vectors, queryVectors[index]!, 1000)]));
const summary = (scores: Scores) => ({ ndcgAt10: round(scores.ndcgAt10, 4), recallAt10: round(scores.recallAt10, 4), recallAt100: round(scores.recallAt100, 4), queries: scores.queries });

// The model alone, as BEIR/MTEB score it: title + ' ' + text, truncated to the model's 256 tokens.
const wholeDocuments = (withTitle: boolean) => corpus.map((document) => truncateToTokens(tokenizer, (withTitle ? `${document.title} ${document.text}` : document.text).trim(), model.maxTokens));
let baseline: Scores | undefined;
let truncatedDocuments = 0;
if (!options['no-baseline']) {
  baseline = await timed('baseline: embed whole documents', async () => {
    const inputs = wholeDocuments(true);
    truncatedDocuments = inputs.filter((input) => input.truncated).length;
    const vectors = await embedAll(model, inputs.map((input) => input.text), { label: 'baseline (title + text, whole documents)' });
    return evaluate(rank(corpus.map((document) => document.id), vectors), dataset.qrels);
  });
  console.log(`  baseline, model alone on whole documents: nDCG@10 ${round(baseline.ndcgAt10, 4)}, Recall@10 ${round(baseline.recallAt10, 4)}, Recall@100 ${round(baseline.recallAt100, 4)} (${truncatedDocuments} of ${corpus.length} documents truncated to ${model.maxTokens} tokens)`);
}

const stillRunning = await waitForOtherPipelines(waitMs);
if (stillRunning.length > 0) console.log(`  warning: another pipeline is still running and competes for the CPU: ${stillRunning.map((other) => other.command).join('; ')}`);
const pool = createPool({ databaseUrl: services.databaseUrl, max: 2, applicationName: 'rivulet-bench' });
console.log('  starting the pipeline and ingesting the corpus through POST /v1/documents ...');
const pipeline = await startPipeline();
const releaseSignals = closeOnSignals(() => pipeline.close());
const api = documentsApi({ baseUrl: pipeline.url, apiKey: pipeline.apiKey });
const others = watchOtherPipelines(() => (['ingress', 'ingestion', 'embedding', 'indexer'] as const).map((name) => pipeline.pid(name)));
// The API refuses an empty text; a document with only a title is sent as its title.
const sendable = corpus.filter((document) => (document.text || document.title).trim() !== '');
let ingestion: IngestionTimings;
let pipelineScores: Scores & { perQuery: Map<string, number> };
let indexShape: Record<string, number> = {};
let documentsPerQuery = { min: 0, mean: 0 };
let vectorCheck = { chunks: 0, minCosine: 0, meanCosine: 0 };
let titled: Scores | undefined;
let textOnly: Scores | undefined;
let cleanup: { seconds: number; notYetDeleted: number; chunkRowsLeft: number } | undefined;
let otherPipelines: { pid: number; command: string }[] = [];
try {
  ingestion = await timed('pipeline: ingest', () => ingestAndWait({
    pool, tenant: pipeline.tenant, collection, documents: sendable, concurrency, timeoutMs, label: 'ingest',
    upload: (document) => api.postText({ id: document.id, collection, ...(document.title ? { title: document.title.slice(0, MAX_TITLE_LENGTH) } : {}), text: document.text || document.title }),
  }));
  otherPipelines = others.stop();
  console.log(`  ingested: ${ingestion.completed} completed, ${ingestion.failed} failed, ${ingestion.chunks} chunks in ${round(ingestion.totalSeconds, 0)} s`);
  indexShape = (await withTenant(pool, pipeline.tenant, (client) => client.query<Record<string, number>>(INDEX_SHAPE, [pipeline.tenant, collection]))).rows[0] ?? {};

  const results = new Map<string, Scored[]>();
  await timed('pipeline: search', () => mapLimit(dataset.queries, 2, async (query, index) => {
    results.set(query.id, await rankInIndex(pool, { tenant: pipeline.tenant, collection, dimension: model.dimension, topChunks }, queryVectors[index]!));
  }));
  const counts = [...results.values()].map((ranked) => ranked.length);
  documentsPerQuery = { min: Math.min(...counts), mean: round(counts.reduce((sum, count) => sum + count, 0) / counts.length, 1) };
  pipelineScores = evaluate(results, dataset.qrels);

  // Does the index hold what the model gives for the chunk's text? (Catches a pooling, normalisation or storage fault in the worker path.)
  const sample = (await withTenant(pool, pipeline.tenant, (client) => client.query<{ text: string; embedding: string }>(CHUNKS_WITH_VECTORS, [pipeline.tenant, collection, 64]))).rows;
  const recomputed = await embedAll(model, sample.map((row) => row.text));
  const cosines = sample.map((row, index) => cosine(parseVector(row.embedding), recomputed[index]!));
  vectorCheck = { chunks: cosines.length, minCosine: round(Math.min(...cosines), 6), meanCosine: round(cosines.reduce((sum, value) => sum + value, 0) / cosines.length, 6) };

  if (options.diagnose) {
    textOnly = await timed('diagnose: whole documents without title', async () => {
      const vectors = await embedAll(model, wholeDocuments(false).map((input) => input.text), { label: 'text only, whole documents' });
      return evaluate(rank(corpus.map((document) => document.id), vectors), dataset.qrels);
    });
    titled = await timed('diagnose: chunks with title', async () => {
      const chunks = (await withTenant(pool, pipeline.tenant, (client) => client.query<{ document_id: string; title: string | null; text: string }>(CHUNKS_WITH_VECTORS, [pipeline.tenant, collection, null]))).rows;
      const vectors = await embedAll(model, chunks.map((chunk) => truncateToTokens(tokenizer, chunk.title ? `${chunk.title} ${chunk.text}` : chunk.text, model.maxTokens).text), { label: 'title + chunk' });
      // Best chunk per document, as the index query does.
      const byQuery = new Map<string, Scored[]>();
      dataset.queries.forEach((query, index) => {
        const best = new Map<string, number>();
        for (const scored of rankInMemory(chunks.map((chunk) => chunk.document_id), vectors, queryVectors[index]!, topChunks)) best.set(scored.documentId, Math.max(best.get(scored.documentId) ?? -1, scored.score));
        byQuery.set(query.id, [...best].map(([documentId, score]) => ({ documentId, score })));
      });
      return evaluate(byQuery, dataset.qrels);
    });
  }
  if (!options.keep) {
    console.log('  deleting the documents through the API ...');
    cleanup = await timed('cleanup', () => deleteAndWait({ pool, api, tenant: pipeline.tenant, collection, documentIds: sendable.map((document) => document.id), concurrency }));
  }
} finally {
  releaseSignals();
  others.stop();
  await pipeline.close();
  await pool.end();
  await model.close();
}

const pass = pipelineScores.ndcgAt10 >= TARGET;
const comparable = !subset && dataset.name === PUBLISHED.dataset && options.split === 'test';
console.log(`\nResults: ${dataset.name}, ${options.split} split, ${pipelineScores.queries} queries, ${corpus.length} documents`);
printTable([
  ['pipeline nDCG@10', `${round(pipelineScores.ndcgAt10, 4)}${comparable ? ` (target >= ${TARGET}: ${pass ? 'PASS' : 'BELOW TARGET'})` : ''}`],
  ['pipeline Recall@10 / Recall@100', `${round(pipelineScores.recallAt10, 4)} / ${round(pipelineScores.recallAt100, 4)}`],
  ['baseline (model alone, title + text) nDCG@10', baseline ? round(baseline.ndcgAt10, 4) : 'skipped'],
  ['baseline Recall@10 / Recall@100', baseline ? `${round(baseline.recallAt10, 4)} / ${round(baseline.recallAt100, 4)}` : 'skipped'],
  ['pipeline / baseline (nDCG@10)', baseline ? ratio(pipelineScores.ndcgAt10, baseline.ndcgAt10) : 'n/a'],
  ['published (MTEB, all-MiniLM-L6-v2 fp32)', comparable ? `${PUBLISHED.ndcgAt10} (Recall@10 ${PUBLISHED.recallAt10}, Recall@100 ${PUBLISHED.recallAt100})` : 'n/a for this dataset/subset'],
  ['pipeline / published; baseline / published', comparable ? `${ratio(pipelineScores.ndcgAt10, PUBLISHED.ndcgAt10)}; ${baseline ? ratio(baseline.ndcgAt10, PUBLISHED.ndcgAt10) : 'n/a'}` : 'n/a'],
  ...(textOnly ? [['diagnose: whole documents, no title, nDCG@10', round(textOnly.ndcgAt10, 4)] as [string, number]] : []),
  ...(titled ? [['diagnose: pipeline chunks with title in front, nDCG@10', round(titled.ndcgAt10, 4)] as [string, number]] : []),
  ['index: chunks, documents, single-chunk documents, max chunks/doc', `${indexShape.chunks}, ${indexShape.documents}, ${indexShape.single_chunk_documents}, ${indexShape.max_chunks_per_document}`],
  ['documents per query from top chunks: min, mean', `${documentsPerQuery.min}, ${documentsPerQuery.mean} (top ${topChunks} chunks)`],
  ['stored vectors vs model on chunk text: min / mean cosine', `${vectorCheck.minCosine} / ${vectorCheck.meanCosine} (${vectorCheck.chunks} chunks)`],
  ['ingestion: completed / failed, s', `${ingestion.completed} / ${ingestion.failed}, ${round(ingestion.totalSeconds, 0)} s (${round(ingestion.chunks / ingestion.totalSeconds, 1)} chunks/s)`],
  ['other pipelines seen during ingestion', otherPipelines.length === 0 ? 'none' : `${otherPipelines.length} processes (they competed for the CPU)`],
  ['cleanup: DELETE through the API', cleanup ? `${cleanup.seconds} s; not yet deleted ${cleanup.notYetDeleted}, chunk rows left ${cleanup.chunkRowsLeft}` : 'kept (--keep)'],
  ['phases, s', Object.entries(phases).map(([name, seconds]) => `${name} ${seconds}`).join('; ')],
  ['wall time of the benchmark, s', round((Date.now() - startedAt) / 1000, 0)],
]);
if (ingestion.failures.length > 0) console.log('  failures:', ingestion.failures);

const file = await writeResult('quality', {
  dataset: { name: dataset.name, folder: datasetFolder, split: options.split, documents: corpus.length, corpusDocuments: dataset.corpus.length, queries: dataset.queries.length, subset },
  settings: { topChunks, concurrency, modelVersion: model.version, maxTokens: model.maxTokens, collection },
  pipeline: summary(pipelineScores), baseline: baseline ? { ...summary(baseline), truncatedDocuments } : 'skipped',
  published: comparable ? PUBLISHED : null, target: TARGET, pass: comparable ? pass : null,
  pipelineOverBaseline: baseline ? ratio(pipelineScores.ndcgAt10, baseline.ndcgAt10) : null,
  diagnose: options.diagnose ? { wholeDocumentsWithoutTitle: textOnly ? summary(textOnly) : null, chunksWithTitle: titled ? summary(titled) : null } : null,
  index: indexShape, documentsPerQuery, vectorCheck,
  ingestion: { ...ingestion, chunksPerSecond: ingestion.chunks / ingestion.totalSeconds }, otherPipelines, cleanup: cleanup ?? 'kept',
  phases, perQueryNdcgAt10: Object.fromEntries(pipelineScores.perQuery), wallSeconds: (Date.now() - startedAt) / 1000,
});
console.log(`\nwritten ${file}`);
