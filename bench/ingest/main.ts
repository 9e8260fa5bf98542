// bench:ingest: Markdown documents from upload (POST /v1/documents through the real ingress) to
// all `completed`, through the real processes started by startPipeline(), against the model
// alone measured in the same run. See docs/benchmarks.md.
import { startPipeline, type ProcessName } from '@rivulet/cli';
import { chunkText, closeDocumentParsers, parseDocument } from '@rivulet/documents';
import { createPool } from '@rivulet/store';
import { cpus } from 'node:os';
import { mapLimit } from '../support/concurrency.js';
import { cpuBudget, servicePids } from '../support/cpu-budget.js';
import { documentsApi } from '../support/documents-api.js';
import { closeOnSignals } from '../support/signals.js';
import { loadModel, WORKER_DEFAULTS } from '../support/model.js';
import { commonOptions, integerOption, readOptions } from '../support/options.js';
import { defaultModelDirectory, rivuletHome, serviceAddresses } from '../support/paths.js';
import { waitForOtherPipelines, watchOtherPipelines } from '../support/other-pipelines.js';
import { deleteAndWait, ingestAndWait } from '../support/pipeline-run.js';
import { mebibytes, processRssBytes, sampler } from '../support/process-stats.js';
import { createRandom, freshSeed } from '../support/random.js';
import { measureRawThroughput, warmUp, type RawThroughput } from '../support/raw-throughput.js';
import { printTable, ratio, round, writeResult } from '../support/report.js';
import { markdownDocument } from '../support/text.js';

const options = readOptions('npm run bench:ingest -w @rivulet/bench -- [options]', {
  documents: { type: 'string', default: '1000', description: 'Markdown documents to ingest' },
  words: { type: 'string', default: '2000', description: 'words per document (about)' },
  concurrency: { type: 'string', default: '16', description: 'uploads in flight at once' },
  'raw-texts': { type: 'string', default: '512', description: 'chunks of these documents embedded by the model alone, before and after' },
  'timeout-minutes': { type: 'string', default: '60', description: 'give up after this long' },
  'wait-minutes': commonOptions.waitMinutes('20'),
  keep: commonOptions.keep(),
  seed: commonOptions.seed(),
});
const documentCount = integerOption('documents', options.documents);
const words = integerOption('words', options.words, 50);
const concurrency = integerOption('concurrency', options.concurrency);
const rawCount = integerOption('raw-texts', options['raw-texts'], 32);
const timeoutMs = integerOption('timeout-minutes', options['timeout-minutes']) * 60_000;
const waitMs = integerOption('wait-minutes', options['wait-minutes'], 0) * 60_000;
const seed = options.seed ?? freshSeed();
const services = serviceAddresses(process.env);
const modelDirectory = defaultModelDirectory(process.env);
const collection = 'bench-ingest';
const { threads, batchSize } = WORKER_DEFAULTS;
const startedAt = Date.now();

console.log(`bench:ingest: ${documentCount} Markdown documents of ~${words} words, ${concurrency} uploads at a time, seed ${seed}`);
const model = await loadModel(modelDirectory, threads);
const tokenizer = model.tokenizer!;
const documents = Array.from({ length: documentCount }, (_, index) => {
  const { title, markdown, words: count } = markdownDocument(createRandom(`ingest:${seed}:${index}`), words);
  return { id: `bench-${seed}-${String(index).padStart(5, '0')}`, title, markdown, words: count };
});

// What the pipeline should make of them: the same parser, tokenizer and limits as the ingestion worker.
const expected = await mapLimit(documents, 2, async (document) => {
  const parsed = await parseDocument({ content: Buffer.from(document.markdown), mimeType: 'text/markdown', fileName: `${document.id}.md` });
  return chunkText(parsed.text, { tokenizer, maxTokens: model.maxTokens });
});
await closeDocumentParsers();
const expectedChunks = expected.reduce((sum, chunks) => sum + chunks.length, 0);
const allChunks = expected.flat();
const chunkTokens = allChunks.map((chunk) => chunk.tokenCount);
const meanChunkTokens = chunkTokens.reduce((sum, count) => sum + count, 0) / chunkTokens.length;
const sortedTokens = [...chunkTokens].sort((a, b) => a - b);
const percentile = (p: number) => sortedTokens[Math.min(sortedTokens.length - 1, Math.floor(p * sortedTokens.length))]!;
const tokenSpread = { p10: percentile(0.1), p50: percentile(0.5), p90: percentile(0.9), max: sortedTokens[sortedTokens.length - 1]! };
const meanWords = documents.reduce((sum, document) => sum + document.words, 0) / documents.length;
console.log(`  documents: mean ${round(meanWords, 0)} words, ${round(documents.reduce((sum, document) => sum + document.markdown.length, 0) / documentCount / 1024, 1)} KiB; expected chunks ${expectedChunks} (${round(expectedChunks / documentCount, 1)}/document, tokens mean ${round(meanChunkTokens, 1)}, p10 ${tokenSpread.p10}, median ${tokenSpread.p50}, p90 ${tokenSpread.p90}, max ${tokenSpread.max})`);

const stillRunning = await waitForOtherPipelines(waitMs);
if (stillRunning.length > 0) console.log(`  warning: another pipeline is still running and competes for the CPU: ${stillRunning.map((other) => other.command).join('; ')}`);

// The baseline: these documents' own chunks through the model alone, batch 32, the worker's threads.
const stride = Math.max(1, Math.floor(allChunks.length / rawCount));
const rawTexts = allChunks.filter((_, index) => index % stride === 0).slice(0, rawCount).map((chunk) => chunk.text);
await warmUp(model, rawTexts, batchSize);
const show = (label: string, raw: RawThroughput) => console.log(`  ${label}: ${round(raw.textsPerSecond, 1)} texts/s (${raw.texts} chunks in ${round(raw.seconds, 1)} s)`);
const rawBefore = await measureRawThroughput(model, rawTexts, batchSize);
show(`raw batch ${batchSize}, before`, rawBefore);
// For context only (the target is against batch 32): chunks vary in length and a batch pads to its longest.
const rawBatch1 = await measureRawThroughput(model, rawTexts.slice(0, 128), 1);
show('raw batch 1 (context)', rawBatch1);

const pool = createPool({ databaseUrl: services.databaseUrl, max: 2, applicationName: 'rivulet-bench' });
console.log('  starting the pipeline (rivulet ingress, rivulet worker ingestion|embedding|indexer) ...');
const pipeline = await startPipeline();
const releaseSignals = closeOnSignals(() => pipeline.close());
const names: ProcessName[] = ['ingress', 'ingestion', 'embedding', 'indexer'];
const api = documentsApi({ baseUrl: pipeline.url, apiKey: pipeline.apiKey });
const infra = servicePids(rivuletHome(process.env));
const budget = cpuBudget(() => ({
  ...Object.fromEntries(names.map((name) => [name, { pid: pipeline.pid(name), tree: false }])),
  ...Object.fromEntries(Object.entries(infra).map(([name, pid]) => [name, { pid, tree: true }])),
  'benchmark client': { pid: process.pid, tree: false },
}));
const memory = Object.fromEntries(names.map((name) => [name, sampler(() => { const pid = pipeline.pid(name); return pid === undefined ? undefined : processRssBytes(pid); }, 500)]));
const embeddingMetric = (metric: string, labels: Record<string, string> = {}) => pipeline.metric('embedding', metric, labels);
const embeddingCounters = async () => ({
  misses: await embeddingMetric('rivulet_embedding_cache_lookups_total', { result: 'miss' }),
  hits: await embeddingMetric('rivulet_embedding_cache_lookups_total', { result: 'hit' }),
  calls: await embeddingMetric('rivulet_embedding_batch_size_count'),
  texts: await embeddingMetric('rivulet_embedding_batch_size_sum'),
});
let countersBefore = { misses: 0, hits: 0, calls: 0, texts: 0 };

let result: Awaited<ReturnType<typeof ingestAndWait>>;
let cpu: ReturnType<ReturnType<typeof cpuBudget>['stop']>;
let verification = { checked: 0, completed: 0, chunkCountsMatching: 0 };
let embeddingReport = { modelTexts: 0, cacheHits: 0, calls: 0, meanTextsPerCall: 0 };
let cleanup: { seconds: number; notYetDeleted: number; chunkRowsLeft: number } | undefined;
let rss: Record<string, { peak: number; last: number }> = {};
const others = watchOtherPipelines(() => names.map((name) => pipeline.pid(name)));
let otherPipelines: { pid: number; command: string }[] = [];
try {
  countersBefore = await embeddingCounters();
  budget.start();
  result = await ingestAndWait({
    pool, tenant: pipeline.tenant, collection, documents, concurrency, timeoutMs, label: 'ingest',
    upload: (document) => api.postFile({ id: document.id, collection, fileName: `${document.id}.md`, mimeType: 'text/markdown', content: document.markdown }),
  });
  cpu = budget.stop(cpus().length);
  otherPipelines = others.stop();
  rss = Object.fromEntries(Object.entries(memory).map(([name, sample]) => [name, sample.stop()]));
  const counters = await embeddingCounters();
  const calls = counters.calls - countersBefore.calls;
  embeddingReport = { modelTexts: counters.misses - countersBefore.misses, cacheHits: counters.hits - countersBefore.hits, calls, meanTextsPerCall: calls ? (counters.texts - countersBefore.texts) / calls : 0 };

  // Every document, as a client sees it.
  const statuses = await mapLimit(documents, concurrency, (document) => api.get(document.id, collection));
  verification = {
    checked: statuses.length,
    completed: statuses.filter((status) => status?.status === 'completed').length,
    chunkCountsMatching: statuses.filter((status, index) => status?.chunks === expected[index]!.length).length,
  };
  if (!options.keep) {
    console.log('  deleting the documents through the API ...');
    cleanup = await deleteAndWait({ pool, api, tenant: pipeline.tenant, collection, documentIds: documents.map((document) => document.id), concurrency });
  }
} finally {
  releaseSignals();
  others.stop();
  for (const sample of Object.values(memory)) sample.stop();
  await pipeline.close();
  await pool.end();
}

const rawAfter = await measureRawThroughput(model, rawTexts, batchSize);
show(`raw batch ${batchSize}, after`, rawAfter);
await model.close();

const baseline = (rawBefore.textsPerSecond + rawAfter.textsPerSecond) / 2;
const documentsPerSecond = result.completed / result.totalSeconds;
const chunksPerSecond = result.chunks / result.totalSeconds;
const chunkRatio = ratio(chunksPerSecond, baseline);
const fullRunMinutes = (1000 / documentsPerSecond) / 60;

console.log(`\nResults (baseline: these documents' chunks through the model alone, batch ${batchSize}, ${threads} threads, in this run)`);
printTable([
  ['documents completed / failed', `${result.completed} / ${result.failed} of ${documentCount}`],
  ['chunks (pipeline / expected)', `${result.chunks} / ${expectedChunks}`],
  ['upload time (all 202s), s', round(result.uploadSeconds, 1)],
  ['upload to all completed, s', round(result.totalSeconds, 1)],
  ['documents/s', round(documentsPerSecond, 2)],
  ['chunks/s', round(chunksPerSecond, 1)],
  ['raw embedding (baseline), texts/s', `${round(baseline, 1)} (before ${round(rawBefore.textsPerSecond, 1)}, after ${round(rawAfter.textsPerSecond, 1)})`],
  ['raw batch 1 (context), texts/s', round(rawBatch1.textsPerSecond, 1)],
  ['chunks/s / raw (target >= 0.8)', `${chunkRatio} ${chunkRatio !== null && chunkRatio >= 0.8 ? 'PASS' : 'BELOW TARGET'}`],
  ['embedding worker: model texts, cache hits', `${embeddingReport.modelTexts}, ${embeddingReport.cacheHits} (${round((100 * (embeddingReport.modelTexts + embeddingReport.cacheHits)) / Math.max(1, result.chunks), 1)} % of the chunks)`],
  ['other pipelines seen during the run', otherPipelines.length === 0 ? 'none' : `${otherPipelines.length} processes: they competed for the CPU`],
  ['embedding worker: model calls, mean texts/call', `${embeddingReport.calls}, ${round(embeddingReport.meanTextsPerCall, 1)}`],
  ['CPU s by process', Object.entries(cpu.byProcess).map(([name, seconds]) => `${name} ${seconds}`).join(', ')],
  ['CPU s: machine busy / capacity, others', `${cpu.machineBusySeconds} / ${round(cpu.capacitySeconds, 0)}, not ours ${cpu.otherSeconds}`],
  ['peak RSS by process, MiB', Object.entries(rss).map(([name, sample]) => `${name} ${mebibytes(sample.peak)}`).join(', ')],
  ['verified through GET: completed, chunk counts as expected', `${verification.completed}, ${verification.chunkCountsMatching} of ${verification.checked}`],
  ['projected time for 1,000 such documents, min', round(fullRunMinutes, 1)],
  ['cleanup: DELETE through the API', cleanup ? `${cleanup.seconds} s; not yet deleted ${cleanup.notYetDeleted}, chunk rows left ${cleanup.chunkRowsLeft}` : 'kept (--keep)'],
  ['wall time of the benchmark, s', round((Date.now() - startedAt) / 1000, 0)],
]);
if (result.failures.length > 0) console.log('  failures:', result.failures);

const file = await writeResult('ingest', {
  seed, settings: { documents: documentCount, words, concurrency, rawTexts: rawCount, batchSize, threads, collection },
  corpus: { meanWords, expectedChunks, chunksPerDocument: expectedChunks / documentCount, meanChunkTokens, chunkTokens: tokenSpread },
  pipeline: { ...result, documentsPerSecond, chunksPerSecond, tenant: pipeline.tenant, logs: pipeline.logs },
  raw: { before: rawBefore, after: rawAfter, baselineTextsPerSecond: baseline, batch1ForContext: rawBatch1 },
  chunksOverRaw: chunkRatio, target: 0.8, pass: chunkRatio !== null && chunkRatio >= 0.8,
  embeddingWorker: embeddingReport, otherPipelines, cpu, rssBytes: rss, verification, cleanup: cleanup ?? 'kept',
  projectedMinutesFor1000Documents: fullRunMinutes,
  wallSeconds: (Date.now() - startedAt) / 1000,
});
console.log(`\nwritten ${file}`);
