// bench:ingest-scale: the same ingest as bench:ingest (Markdown documents from upload to all
// `completed`, through the real processes) with 1 embedding worker process and with 2, on a fresh
// pipeline each time, in ABBA order, and the ratio of their throughputs. See docs/benchmarks.md.
import { startPipeline, type InstanceName, type Pipeline } from '@rivulet/cli';
import { createPool, type Pool } from '@rivulet/store';
import { EMBEDDING_GROUP } from '@rivulet/worker-embedding';
import { cpus } from 'node:os';
import { sleep } from '../support/concurrency.js';
import { cpuBudget, servicePids } from '../support/cpu-budget.js';
import { documentsApi } from '../support/documents-api.js';
import { commonOptions, integerOption, readOptions } from '../support/options.js';
import { waitForOtherPipelines, watchOtherPipelines } from '../support/other-pipelines.js';
import { rivuletHome, serviceAddresses } from '../support/paths.js';
import { deleteAndWait, ingestAndWait, type IngestionTimings } from '../support/pipeline-run.js';
import { createRandom, freshSeed } from '../support/random.js';
import { printTable, ratio, round, writeResult } from '../support/report.js';
import { closeOnSignals } from '../support/signals.js';
import { markdownDocument } from '../support/text.js';

const options = readOptions('npm run bench:ingest-scale -w @rivulet/bench -- [options]', {
  documents: { type: 'string', default: '300', description: 'Markdown documents per measurement' },
  words: { type: 'string', default: '500', description: 'words per document (about)' },
  concurrency: { type: 'string', default: '16', description: 'uploads in flight at once' },
  rounds: { type: 'string', default: '2', description: 'rounds of (1 worker, 2 workers), the order alternating (ABBA)' },
  'embedding-threads': { type: 'string', description: 'EMBEDDING_THREADS of every embedding process (default: the worker\'s own, 2)' },
  'timeout-minutes': { type: 'string', default: '20', description: 'give up on one measurement after this long' },
  'wait-minutes': commonOptions.waitMinutes('20'),
  keep: commonOptions.keep('the documents', 'after each measurement'),
  seed: commonOptions.seed(),
});
const documentCount = integerOption('documents', options.documents);
const words = integerOption('words', options.words, 50);
const concurrency = integerOption('concurrency', options.concurrency);
const rounds = integerOption('rounds', options.rounds);
const threads = options['embedding-threads'] === undefined ? undefined : integerOption('embedding-threads', options['embedding-threads']);
const timeoutMs = integerOption('timeout-minutes', options['timeout-minutes']) * 60_000;
const waitMs = integerOption('wait-minutes', options['wait-minutes'], 0) * 60_000;
const seed = options.seed ?? freshSeed();
const collection = 'bench-ingest-scale';
const startedAt = Date.now();
const EMBEDDING_INSTANCES = ['embedding', 'embedding#2'] as const;

interface Measurement {
  workers: 1 | 2;
  round: number;
  result: IngestionTimings;
  documentsPerSecond: number;
  chunksPerSecond: number;
  /** Chunks each embedding process handled (its chunk-created events), in instance order. */
  embeddedPerWorker: number[];
  cpu: ReturnType<ReturnType<typeof cpuBudget>['stop']>;
  /** CPU seconds of the embedding processes together, per wall second: cores they kept busy. */
  embeddingCores: number;
  /** CPU milliseconds of the embedding processes per chunk: the same with 1 or 2 processes when the CPU is the limit. */
  embeddingCpuMsPerChunk: number;
  otherPipelines: { pid: number; command: string }[];
}

/** Each instance's metric, or 0 for one that is not running. */
const perInstance = (pipeline: Pipeline, names: readonly (typeof EMBEDDING_INSTANCES)[number][], metric: string, labels: Record<string, string>) =>
  Promise.all(names.map((name) => pipeline.metric(name, metric, labels)));

/** Uploads start only once every embedding process owns partitions, so the 2-worker figure is 2 workers throughout. */
const waitForAssignment = async (pipeline: Pipeline, names: readonly (typeof EMBEDDING_INSTANCES)[number][]): Promise<void> => {
  const group = pipeline.topicPrefix + EMBEDDING_GROUP;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const assigned = await perInstance(pipeline, names, 'rivulet_consumer_assigned_partitions', { group });
    if (assigned.every((count) => count > 0)) return;
    if (Date.now() > deadline) throw new Error(`embedding processes without partitions after 60 s: ${assigned.join(', ')}`);
    await sleep(200);
  }
};

const measure = async (pool: Pool, workers: 1 | 2, roundNumber: number): Promise<Measurement> => {
  // A corpus of its own per measurement (same generator, same size), so no measurement finds another's embeddings in the cache.
  const documents = Array.from({ length: documentCount }, (_, index) => {
    const { title, markdown } = markdownDocument(createRandom(`ingest-scale:${seed}:${workers}:${roundNumber}:${index}`), words);
    return { id: `bench-${seed}-${workers}w-r${roundNumber}-${String(index).padStart(5, '0')}`, title, markdown };
  });
  const names = EMBEDDING_INSTANCES.slice(0, workers);
  const processes: InstanceName[] = ['ingress', 'ingestion', ...names, 'indexer'];
  const pipeline = await startPipeline({ processes, env: threads === undefined ? {} : { EMBEDDING_THREADS: String(threads) } });
  const releaseSignals = closeOnSignals(() => pipeline.close());
  const others = watchOtherPipelines(() => processes.map((name) => pipeline.pid(name)));
  try {
    await waitForAssignment(pipeline, names);
    const api = documentsApi({ baseUrl: pipeline.url, apiKey: pipeline.apiKey });
    const infra = servicePids(rivuletHome(process.env));
    const budget = cpuBudget(() => ({
      ...Object.fromEntries(processes.map((name) => [name, { pid: pipeline.pid(name), tree: false }])),
      ...Object.fromEntries(Object.entries(infra).map(([name, pid]) => [name, { pid, tree: true }])),
      'benchmark client': { pid: process.pid, tree: false },
    }));
    const counted = { event_type: 'chunk-created' };
    const before = await perInstance(pipeline, names, 'rivulet_consumer_messages_total', counted);
    budget.start();
    const result = await ingestAndWait({
      pool, tenant: pipeline.tenant, collection, documents, concurrency, timeoutMs, label: `${workers} embedding worker${workers === 1 ? '' : 's'}, round ${roundNumber}`,
      upload: (document) => api.postFile({ id: document.id, collection, fileName: `${document.id}.md`, mimeType: 'text/markdown', content: document.markdown }),
    });
    const cpu = budget.stop(cpus().length);
    const after = await perInstance(pipeline, names, 'rivulet_consumer_messages_total', counted);
    const embeddingSeconds = names.reduce((sum, name) => sum + (cpu.byProcess[name] ?? 0), 0);
    const measurement: Measurement = {
      workers, round: roundNumber, result,
      documentsPerSecond: result.completed / result.totalSeconds,
      chunksPerSecond: result.chunks / result.totalSeconds,
      embeddedPerWorker: after.map((count, index) => count - before[index]!),
      cpu, embeddingCores: embeddingSeconds / cpu.wallSeconds, embeddingCpuMsPerChunk: (1000 * embeddingSeconds) / Math.max(1, result.chunks), otherPipelines: others.stop(),
    };
    console.log(`  -> ${round(measurement.chunksPerSecond, 1)} chunks/s, ${round(measurement.documentsPerSecond, 2)} documents/s; chunks per embedding process ${measurement.embeddedPerWorker.join(' + ')}; embedding kept ${round(measurement.embeddingCores, 2)} cores busy, ${round(measurement.embeddingCpuMsPerChunk, 1)} CPU ms per chunk`);
    if (!options.keep) await deleteAndWait({ pool, api, tenant: pipeline.tenant, collection, documentIds: documents.map((document) => document.id), concurrency });
    return measurement;
  } finally {
    others.stop();
    releaseSignals();
    await pipeline.close();
  }
};

console.log(`bench:ingest-scale: ${documentCount} Markdown documents of ~${words} words per measurement, 1 and 2 embedding processes, ${rounds} round(s) ABBA, seed ${seed}`);
const stillRunning = await waitForOtherPipelines(waitMs);
if (stillRunning.length > 0) console.log(`  warning: another pipeline is still running and competes for the CPU: ${stillRunning.map((other) => other.command).join('; ')}`);

const services = serviceAddresses(process.env);
const pool = createPool({ databaseUrl: services.databaseUrl, max: 2, applicationName: 'rivulet-bench' });
const measurements: Measurement[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    // ABBA: 1 then 2 in odd rounds, 2 then 1 in even ones, so a slow drift of the machine cancels out.
    for (const workers of round % 2 === 1 ? [1, 2] as const : [2, 1] as const) {
      console.log(`  round ${round}: ${workers} embedding worker${workers === 1 ? '' : 's'} ...`);
      measurements.push(await measure(pool, workers, round));
    }
  }
} finally {
  await pool.end();
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const of = (workers: 1 | 2) => measurements.filter((entry) => entry.workers === workers);
const chunkRate = (workers: 1 | 2) => median(of(workers).map((entry) => entry.chunksPerSecond));
const documentRate = (workers: 1 | 2) => median(of(workers).map((entry) => entry.documentsPerSecond));
const perRound = Array.from({ length: rounds }, (_, index) => {
  const pair = measurements.filter((entry) => entry.round === index + 1);
  return ratio(pair.find((entry) => entry.workers === 2)!.chunksPerSecond, pair.find((entry) => entry.workers === 1)!.chunksPerSecond);
});
const speedup = ratio(chunkRate(2), chunkRate(1));
const cpuLine = (entry: Measurement) => Object.entries(entry.cpu.byProcess).map(([name, seconds]) => `${name} ${seconds}`).join(', ');

console.log(`\nResults (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'})`);
printTable([
  ...measurements.map((entry): [string, string] => [
    `round ${entry.round}, ${entry.workers} worker${entry.workers === 1 ? '' : 's'}`,
    `${entry.result.completed}/${entry.result.documents} completed (${entry.result.failed} failed), ${entry.result.chunks} chunks in ${round(entry.result.totalSeconds, 1)} s: ${round(entry.documentsPerSecond, 2)} documents/s, ${round(entry.chunksPerSecond, 1)} chunks/s; per embedding process ${entry.embeddedPerWorker.join(' + ')}; embedding ${round(entry.embeddingCores, 2)} cores (${round(entry.embeddingCpuMsPerChunk, 1)} CPU ms/chunk), machine ${round(entry.cpu.machineBusySeconds / entry.cpu.wallSeconds, 2)} of ${cpus().length} (not ours ${round(entry.cpu.otherSeconds / entry.cpu.wallSeconds, 2)})`,
  ]),
  ['1 worker: documents/s, chunks/s (median)', `${round(documentRate(1), 2)}, ${round(chunkRate(1), 1)}`],
  ['2 workers: documents/s, chunks/s (median)', `${round(documentRate(2), 2)}, ${round(chunkRate(2), 1)}`],
  ['2 workers / 1 worker, chunks/s', `${speedup} (per round: ${perRound.join(', ')})`],
  ['other pipelines seen during the runs', measurements.some((entry) => entry.otherPipelines.length > 0) ? `yes, in ${measurements.filter((entry) => entry.otherPipelines.length > 0).length} measurement(s): they competed for the CPU` : 'none'],
  ['wall time of the benchmark, s', round((Date.now() - startedAt) / 1000, 0)],
]);
for (const entry of measurements) console.log(`  CPU s, round ${entry.round}, ${entry.workers} worker(s): ${cpuLine(entry)}; not ours ${entry.cpu.otherSeconds}`);
for (const entry of measurements) if (entry.result.failures.length > 0) console.log(`  failures, round ${entry.round}, ${entry.workers} worker(s):`, entry.result.failures);

const file = await writeResult('ingest-scale', {
  seed, settings: { documents: documentCount, words, concurrency, rounds, embeddingThreads: threads ?? 'default', collection },
  measurements,
  medians: { 1: { documentsPerSecond: documentRate(1), chunksPerSecond: chunkRate(1) }, 2: { documentsPerSecond: documentRate(2), chunksPerSecond: chunkRate(2) } },
  speedup, speedupPerRound: perRound,
  wallSeconds: (Date.now() - startedAt) / 1000,
});
console.log(`\nwritten ${file}`);
