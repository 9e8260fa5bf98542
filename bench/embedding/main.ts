// bench:embedding: the embedding worker's throughput through Kafka against the model alone,
// measured in one run on one machine, interleaved so both see the same machine. See docs/benchmarks.md.
import { fp32Available, loadModel, WORKER_DEFAULTS } from '../support/model.js';
import { commonOptions, integerOption, readOptions } from '../support/options.js';
import { defaultModelDirectory, rivuletHome, serviceAddresses } from '../support/paths.js';
import { mebibytes } from '../support/process-stats.js';
import { createRandom, freshSeed } from '../support/random.js';
import { measureRawThroughput, warmUp, type RawThroughput } from '../support/raw-throughput.js';
import { printTable, ratio, round, writeResult } from '../support/report.js';
import { chunkSizedText } from '../support/text.js';
import { startInProcessWorker, startWorkerProcess, type BurstResult, type Harness } from './worker-run.js';

const options = readOptions('npm run bench:embedding -w @rivulet/bench -- [options]', {
  texts: { type: 'string', default: '1024', description: 'chunk texts per burst (every burst gets new texts)' },
  rounds: { type: 'string', default: '3', description: 'rounds; each: model alone, in-process worker burst, model alone, worker-process burst' },
  'batch1-texts': { type: 'string', default: '384', description: 'texts for the batch-size-1 measurement (once before, once after)' },
  'batch-size': { type: 'string', default: String(WORKER_DEFAULTS.batchSize), description: "the worker's EMBEDDING_BATCH_SIZE" },
  threads: { type: 'string', default: String(WORKER_DEFAULTS.threads), description: "the worker's EMBEDDING_THREADS (onnxruntime intra-op threads)" },
  'no-cache': { type: 'boolean', default: false, description: 'run the worker without the Redis cache (the texts are new either way)' },
  seed: commonOptions.seed('the cache'),
});
const textCount = integerOption('texts', options.texts, 64);
const rounds = integerOption('rounds', options.rounds);
const batch1Count = integerOption('batch1-texts', options['batch1-texts']);
const batchSize = integerOption('batch-size', options['batch-size']);
const threads = integerOption('threads', options.threads);
const seed = options.seed ?? freshSeed();
const services = serviceAddresses(process.env);
const modelDirectory = defaultModelDirectory(process.env);
const startedAt = Date.now();
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

console.log(`bench:embedding: ${rounds} rounds, ${textCount} texts of 100-128 tokens per burst, batch ${batchSize}, ${threads} threads, seed ${seed}`);
// The baseline: loadOnnxEmbeddingModel in this thread, one session.run per embed call.
const model = await loadModel(modelDirectory, threads);
const tokenizer = model.tokenizer!;
const random = createRandom(`embedding:${seed}`);
const sets = Array.from({ length: 2 * rounds }, () => Array.from({ length: textCount }, () => chunkSizedText(random, (text) => tokenizer.countTokens(text))));
const tokens = sets.flat().map((text) => tokenizer.countTokens(text));
const meanTokens = sum(tokens) / tokens.length;
console.log(`  model ${model.id} ${model.version}; texts: mean ${round(meanTokens, 1)} tokens (min ${Math.min(...tokens)}, max ${Math.max(...tokens)})`);

const show = (label: string, result: RawThroughput) =>
  console.log(`  ${label}: ${round(result.textsPerSecond, 1)} texts/s (${result.texts} texts in ${round(result.seconds, 1)} s, ${round((result.cpuSeconds / result.texts) * 1000, 1)} CPU ms/text)`);
const showBurst = (label: string, burst: BurstResult) =>
  console.log(`  ${label}: ${round(burst.textsPerSecond, 1)} texts/s (${burst.events} events in ${round(burst.seconds, 1)} s, ${round((burst.workerCpuSeconds / burst.events) * 1000, 1)} CPU ms/text, ${round(burst.meanBatchSize, 1)} texts per model call), CPU in the next second ${round(burst.cpuSecondsInSecondAfter, 3)} s`);

await warmUp(model, sets[0]!, batchSize);
const raws: RawThroughput[] = [];
const measureRaw = async (texts: readonly string[]) => {
  const raw = await measureRawThroughput(model, texts, batchSize);
  raws.push(raw);
  show(`raw batch ${batchSize}`, raw);
};
const batch1: RawThroughput[] = [await measureRawThroughput(model, sets[0]!.slice(0, batch1Count), 1)];
show('raw batch 1', batch1[0]!);

const harnessOptions = {
  modelDirectory, rivuletHome: rivuletHome(process.env), threads, batchSize, batchWaitMs: WORKER_DEFAULTS.batchWaitMs,
  brokers: services.brokers, registryUrl: services.registryUrl, redisUrl: options['no-cache'] ? undefined : services.cacheRedisUrl,
};
const inProcess: BurstResult[] = [];
const childProcess: BurstResult[] = [];
let inProcessMemory = { peak: 0, last: 0 };
let childMemory = { peak: 0, last: 0 };
let inProcessHarness: Harness | undefined;
let childHarness: Harness | undefined;
try {
  console.log('  starting the in-process worker (Worker + handler + BatchingEmbedder + threaded model) and `rivulet worker embedding` on topics of their own ...');
  inProcessHarness = await startInProcessWorker({ ...harnessOptions, run: `${seed}-${Date.now().toString(36)}` });
  childHarness = await startWorkerProcess({ ...harnessOptions, run: `${seed}-${Date.now().toString(36)}-p` });
  for (let index = 0; index < rounds; index++) {
    await measureRaw(sets[2 * index]!);
    const local = await inProcessHarness.burst(sets[2 * index]!);
    inProcess.push(local);
    showBurst(`round ${index + 1}, worker in this process`, local);
    await measureRaw(sets[2 * index + 1]!);
    const child = await childHarness.burst(sets[2 * index + 1]!);
    childProcess.push(child);
    showBurst(`round ${index + 1}, worker process`, child);
  }
  await measureRaw(sets[2 * rounds - 1]!);
  inProcessMemory = inProcessHarness.memory();
  childMemory = childHarness.memory();
} finally {
  await inProcessHarness?.close();
  await childHarness?.close();
}
batch1.push(await measureRawThroughput(model, sets[0]!.slice(0, batch1Count), 1));
show('raw batch 1', batch1[1]!);

let fp32: Record<string, unknown> = { available: false, note: 'fp32 not available (no model-fp32.onnx in the model folder)' };
if (await fp32Available(modelDirectory)) {
  const sample = sets[0]!.slice(0, Math.min(textCount, 512));
  const fp32Model = await loadModel(modelDirectory, threads, 'fp32');
  await warmUp(fp32Model, sample, batchSize);
  const fp32Raw = await measureRawThroughput(fp32Model, sample, batchSize);
  await fp32Model.close();
  const int8Raw = await measureRawThroughput(model, sample, batchSize);
  fp32 = { available: true, fp32TextsPerSecond: fp32Raw.textsPerSecond, int8TextsPerSecond: int8Raw.textsPerSecond, int8OverFp32: ratio(int8Raw.textsPerSecond, fp32Raw.textsPerSecond) };
}
await model.close();

// Raw measurements sit at 0, 2, 4, ... (before each in-process burst) and 1, 3, 5, ... (before each process burst).
const summarise = (bursts: BurstResult[], rawBefore: (index: number) => number) => {
  const perRound = bursts.map((burst, index) => {
    const baseline = (raws[rawBefore(index)]!.textsPerSecond + raws[rawBefore(index) + 1]!.textsPerSecond) / 2;
    return { textsPerSecond: burst.textsPerSecond, baseline, ratio: round(burst.textsPerSecond / baseline, 3) };
  });
  const rate = sum(bursts.map((burst) => burst.events)) / sum(bursts.map((burst) => burst.seconds));
  const batchSizes: Record<string, number> = {};
  for (const burst of bursts) for (const [bucket, count] of Object.entries(burst.batchSizes)) batchSizes[bucket] = (batchSizes[bucket] ?? 0) + count;
  const calls = sum(bursts.map((burst) => burst.batches));
  return {
    perRound, medianRatio: round(median(perRound.map((entry) => entry.ratio))), textsPerSecond: rate,
    cpuMsPerText: (sum(bursts.map((burst) => burst.workerCpuSeconds)) / sum(bursts.map((burst) => burst.events))) * 1000,
    calls, meanTextsPerCall: calls ? sum(bursts.map((burst) => burst.meanBatchSize * burst.batches)) / calls : 0, batchSizes,
    cacheHits: sum(bursts.map((burst) => burst.cacheHits)), modelTexts: sum(bursts.map((burst) => burst.modelTexts)),
    cpuSecondsInSecondAfter: bursts.map((burst) => round(burst.cpuSecondsInSecondAfter, 3)), duplicates: sum(bursts.map((burst) => burst.duplicatesReceived)),
  };
};
const local = summarise(inProcess, (index) => 2 * index);
const child = summarise(childProcess, (index) => 2 * index + 1);
const rawRate = sum(raws.map((raw) => raw.texts)) / sum(raws.map((raw) => raw.seconds));
const rawCpuMs = (sum(raws.map((raw) => raw.cpuSeconds)) / sum(raws.map((raw) => raw.texts))) * 1000;
const batch1Rate = sum(batch1.map((raw) => raw.texts)) / sum(batch1.map((raw) => raw.seconds));
const verdict = (value: number) => `${value} ${value >= 0.85 ? 'PASS' : 'BELOW TARGET'}`;
const buckets = (counts: Record<string, number>) => Object.entries(counts).map(([bucket, count]) => `${bucket}: ${count}`).join(', ');

console.log('\nResults (baseline: the model alone in this thread, measured before and after every burst in this run)');
printTable([
  [`raw batch ${batchSize} (baseline), texts/s`, `${round(rawRate, 1)} (each: ${raws.map((raw) => round(raw.textsPerSecond, 1)).join(', ')})`],
  ['worker in this process, texts/s', `${round(local.textsPerSecond, 1)} (each: ${local.perRound.map((entry) => round(entry.textsPerSecond, 1)).join(', ')})`],
  ['  / raw, each burst; median (target >= 0.85)', `${local.perRound.map((entry) => entry.ratio).join(', ')}; ${verdict(local.medianRatio)}`],
  ['worker process, texts/s', `${round(child.textsPerSecond, 1)} (each: ${child.perRound.map((entry) => round(entry.textsPerSecond, 1)).join(', ')})`],
  ['  / raw, each burst; median (target >= 0.85)', `${child.perRound.map((entry) => entry.ratio).join(', ')}; ${verdict(child.medianRatio)}`],
  ['CPU ms per text: raw / in-process / process', `${round(rawCpuMs, 1)} / ${round(local.cpuMsPerText, 1)} (whole bench process) / ${round(child.cpuMsPerText, 1)}`],
  ['texts per model call, in-process: mean; calls', `${round(local.meanTextsPerCall, 1)}; ${buckets(local.batchSizes)}`],
  ['texts per model call, process: mean; calls', `${round(child.meanTextsPerCall, 1)}; ${buckets(child.batchSizes)}`],
  ['cache hits / model texts (in-process, process)', `${local.cacheHits} / ${local.modelTexts}, ${child.cacheHits} / ${child.modelTexts}${options['no-cache'] ? ' (cache off)' : ''}`],
  ['raw batch 1, texts/s', `${round(batch1Rate, 1)} (${batch1.map((raw) => round(raw.textsPerSecond, 1)).join(', ')})`],
  [`raw batch ${batchSize} / batch 1`, ratio(rawRate, batch1Rate)],
  ['int8 vs fp32', fp32.available ? `int8/fp32 = ${String(fp32.int8OverFp32)}` : 'fp32 not available'],
  ['CPU s in the 1 s after each burst: process (target ~0)', child.cpuSecondsInSecondAfter.join(', ')],
  ['  in-process (whole bench process)', local.cpuSecondsInSecondAfter.join(', ')],
  ['worker process RSS (VmRSS) peak / end, MiB', `${mebibytes(childMemory.peak)} / ${mebibytes(childMemory.last)}`],
  ['bench process RSS peak (raw model + in-process worker), MiB', mebibytes(inProcessMemory.peak)],
  ['duplicates received', local.duplicates + child.duplicates],
  ['wall time of the benchmark, s', round((Date.now() - startedAt) / 1000, 0)],
]);

const file = await writeResult('embedding', {
  seed,
  settings: { textsPerBurst: textCount, rounds, batchSize, threads, batchWaitMs: WORKER_DEFAULTS.batchWaitMs, cache: !options['no-cache'], modelVersion: model.version },
  texts: { count: textCount * 2 * rounds, meanTokens, minTokens: Math.min(...tokens), maxTokens: Math.max(...tokens) },
  raw: { measurements: raws, textsPerSecond: rawRate, cpuMsPerText: rawCpuMs, batch1, batch1TextsPerSecond: batch1Rate, batchOverBatch1: ratio(rawRate, batch1Rate) },
  inProcessWorker: { ...local, bursts: inProcess, target: 0.85, pass: local.medianRatio >= 0.85, benchProcessRssBytes: inProcessMemory },
  workerProcess: { ...child, bursts: childProcess, target: 0.85, pass: child.medianRatio >= 0.85, vmRssBytes: childMemory },
  fp32,
  notes: [
    'In-process CPU and RSS are the whole benchmark process: the raw model, the worker (its model in a thread of its own), a counting Worker and the producer.',
    'Worker-process CPU and RSS are the `rivulet worker embedding` child alone (/proc/<pid>).',
  ],
  wallSeconds: (Date.now() - startedAt) / 1000,
});
console.log(`\nwritten ${file}`);
