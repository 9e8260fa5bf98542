// bench:chat: chat latency through the whole pipeline (WebSocket in, Kafka between the embedding,
// retrieval and generation workers, replies back), time to first delta and to done, at 1 and 20
// concurrent streams, with the generation worker on a fake OpenAI-compatible provider streaming
// 200 tokens without delay. Beside it, in the same run: the same answers in-process without
// Kafka, and one raw Kafka hop; the verdict is on the pipeline's overhead against the hops it
// takes. Also the local chat model's tokens/s. See docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { startPipeline, type ProcessName } from '@rivulet/cli';
import { createOpenAIChatModel } from '@rivulet/llm';
import { createPool } from '@rivulet/store';
import { loadConfiguredModel } from '@rivulet/worker-embedding';
import { cpuBudget, servicePids } from '../support/cpu-budget.js';
import { documentsApi } from '../support/documents-api.js';
import { commonOptions, integerOption, readOptions } from '../support/options.js';
import { waitForOtherPipelines, watchOtherPipelines } from '../support/other-pipelines.js';
import { defaultModelDirectory, rivuletHome, serviceAddresses } from '../support/paths.js';
import { deleteAndWait, ingestAndWait } from '../support/pipeline-run.js';
import { round, writeResult } from '../support/report.js';
import { closeOnSignals } from '../support/signals.js';
import { CORPUS, questionFor } from './corpus.js';
import { startFakeProviderProcess } from './fake-provider.js';
import { inProcessAnswerer, type InProcessTiming } from './in-process.js';
import { measureKafkaHops } from './kafka-hop.js';
import { measureLocalModel, type LocalModelResult } from './local-model.js';
import { cpuPerAnswer, printReport, pooled, sumCpu, verdicts, type CpuSpent } from './report.js';
import { scrapeAll, stageFigures, type Scrape } from './stage-metrics.js';
import { runStreams } from './streams.js';
import { connectChatClient, type AnswerTiming, type ChatClient } from './ws-client.js';

const options = readOptions('npm run bench:chat -w @rivulet/bench -- [options]', {
  requests: { type: 'string', default: '60', description: 'measured requests at 1 stream, one after another' },
  streams: { type: 'string', default: '20', description: 'concurrent streams (WebSocket clients) of the second phase' },
  'per-stream': { type: 'string', default: '10', description: 'measured requests per stream in the second phase' },
  'warm-up': { type: 'string', default: '10', description: 'unmeasured requests through the pipeline first (and 1 per stream before the second phase)' },
  tokens: { type: 'string', default: '200', description: 'tokens the fake provider streams per answer' },
  'token-delay-ms': { type: 'string', default: '0', description: 'milliseconds the fake provider waits before each token (0: the whole answer at once; e.g. 5 for a model at 200 tokens/s)' },
  'top-k': { type: 'string', default: '5', description: 'chunks retrieved per question' },
  'hop-messages': { type: 'string', default: '200', description: 'messages per raw Kafka hop measurement' },
  'local-runs': { type: 'string', default: '3', description: 'answers of the local chat model timed for tokens/s (0 skips it)' },
  'local-tokens': { type: 'string', default: '150', description: 'tokens of each local model answer' },
  'local-model': { type: 'string', description: 'GGUF file of the local model (default: CHAT_LOCAL_MODEL_PATH, else the one `rivulet infra up` installs)' },
  'pipeline-env': { type: 'string', description: 'extra NAME=value pairs, comma-separated, for every pipeline process (experiments, e.g. EMBEDDING_BATCH_WAIT=0ms)' },
  'wait-minutes': commonOptions.waitMinutes('10'),
  keep: commonOptions.keep('the corpus documents'),
});
const requests = integerOption('requests', options.requests);
const streams = integerOption('streams', options.streams);
const perStream = integerOption('per-stream', options['per-stream'], 2);
const warmUp = integerOption('warm-up', options['warm-up'], 0);
const tokens = integerOption('tokens', options.tokens);
const tokenDelayMs = integerOption('token-delay-ms', options['token-delay-ms'], 0);
const topK = integerOption('top-k', options['top-k']);
const hopMessages = integerOption('hop-messages', options['hop-messages'], 10);
const localRuns = integerOption('local-runs', options['local-runs'], 0);
const localTokens = integerOption('local-tokens', options['local-tokens']);
const waitMs = integerOption('wait-minutes', options['wait-minutes'], 0) * 60_000;
const extraEnv = Object.fromEntries((options['pipeline-env'] ?? '').split(',').map((pair) => pair.trim()).filter(Boolean).map((pair) => {
  const at = pair.indexOf('=');
  if (at < 1) throw new Error(`--pipeline-env: expected NAME=value, got "${pair}"`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}));
const run = randomBytes(4).toString('hex');
const services = serviceAddresses(process.env);
const home = rivuletHome(process.env);
const collection = 'bench-chat';
const startedAt = Date.now();
const chatModelName = 'fake-chat';
const contextTokens = 8192; // the generation worker's default for openai-compatible (CHAT_CONTEXT_TOKENS)

console.log(`bench:chat: run ${run}; fake provider streaming ${tokens} tokens${tokenDelayMs ? ` ${tokenDelayMs} ms apart` : ' without delay'}; ${requests} requests at 1 stream, ${streams} streams x ${perStream}; rag on, topK ${topK}`);
if (Object.keys(extraEnv).length > 0) console.log(`  pipeline environment for this run: ${JSON.stringify(extraEnv)}`);
const stillRunning = await waitForOtherPipelines(waitMs);
if (stillRunning.length > 0) console.log(`  warning: another pipeline is still running and competes for the CPU: ${stillRunning.map((other) => other.command).join('; ')}`);

const fake = await startFakeProviderProcess(tokens, tokenDelayMs);
const embeddingModel = await loadConfiguredModel({
  RIVULET_HOME: home, EMBEDDING_PROVIDER: 'onnx', EMBEDDING_MODEL_DIR: defaultModelDirectory(process.env), EMBEDDING_MODEL_VARIANT: 'int8', EMBEDDING_THREADS: 2,
});
const chat = createOpenAIChatModel({ provider: 'openai-compatible', baseURL: fake.url, model: chatModelName, contextTokens, firstTokenTimeoutMs: 30_000, idleTimeoutMs: 15_000 });
const pool = createPool({ databaseUrl: services.databaseUrl, max: 8, applicationName: 'rivulet-bench-chat' });

const names: ProcessName[] = ['ingress', 'ingestion', 'embedding', 'indexer', 'retrieval', 'generation', 'persistence'];
console.log(`  starting the pipeline (${names.join(', ')}) with the generation worker on the fake provider ...`);
const pipelineStarted = Date.now();
const pipeline = await startPipeline({
  processes: names,
  env: { CHAT_PROVIDER: 'openai-compatible', OPENAI_BASE_URL: fake.url, CHAT_MODEL: chatModelName, CHAT_REQUEST_TIMEOUT: '60s', ...extraEnv },
});
const pipelineStartSeconds = (Date.now() - pipelineStarted) / 1000;
const releaseSignals = closeOnSignals(async () => {
  await pipeline.close();
  await fake.close();
});
const chatProcesses: ProcessName[] = ['ingress', 'embedding', 'retrieval', 'generation', 'persistence'];
const opsUrls = () => Object.fromEntries(chatProcesses.map((name) => [name, pipeline.opsUrl(name)]));
const infra = servicePids(home);
const budget = () => cpuBudget(() => ({
  ...Object.fromEntries(chatProcesses.map((name) => [name, { pid: pipeline.pid(name), tree: false }])),
  ...Object.fromEntries(Object.entries(infra).map(([name, pid]) => [name, { pid, tree: true }])),
  'fake provider': { pid: fake.pid, tree: false },
  'benchmark (clients, baseline)': { pid: process.pid, tree: false },
}));
const others = watchOtherPipelines(() => names.map((name) => pipeline.pid(name)));

const problems: string[] = [];
const checkPipeline = (label: string) => (timing: AnswerTiming): AnswerTiming => {
  if (timing.sources < 1) problems.push(`${label}: no sources (retrieval found nothing)`);
  if (timing.outputTokens !== tokens) problems.push(`${label}: ${timing.outputTokens} output tokens, expected ${tokens}`);
  if (!timing.consistent) problems.push(`${label}: deltas do not join to done.content`);
  return timing;
};
const checkInProcess = (label: string) => (timing: InProcessTiming): InProcessTiming => {
  if (timing.sources < 1) problems.push(`${label}: no sources`);
  if (timing.outputTokens !== tokens) problems.push(`${label}: ${timing.outputTokens} output tokens, expected ${tokens}`);
  return timing;
};

const clients: ChatClient[] = [];
let measured: Awaited<ReturnType<typeof measure>>;
let cleanup: Awaited<ReturnType<typeof deleteAndWait>> | 'kept' = 'kept';
let otherPipelines: { pid: number; command: string }[] = [];

const measure = async () => {
  const api = documentsApi({ baseUrl: pipeline.url, apiKey: pipeline.apiKey });
  console.log(`  ingesting ${CORPUS.length} documents ...`);
  const ingestion = await ingestAndWait({
    pool, tenant: pipeline.tenant, collection, documents: CORPUS, concurrency: CORPUS.length, timeoutMs: 120_000, label: 'corpus',
    upload: (document) => api.postText({ ...document, collection }),
  });
  if (ingestion.completed !== CORPUS.length) throw new Error(`corpus: ${ingestion.completed} of ${CORPUS.length} documents completed: ${JSON.stringify(ingestion.failures)}`);
  for (let index = 0; index < streams; index++) clients.push(await connectChatClient(pipeline.url, pipeline.apiKey));
  const answerInProcess = inProcessAnswerer({ model: embeddingModel, pool, chat, tenantId: pipeline.tenant, collection, topK });

  const throughPipeline = (phase: string) => (lane: number, index: number) =>
    clients[lane]!.ask({ id: `${phase}-${lane}-${index}`, message: questionFor(run, `${phase}-${lane}`, index), collection, topK }).then(checkPipeline(`${phase} ${lane}/${index}`));
  const inProcess = (phase: string) => (lane: number, index: number) =>
    answerInProcess(questionFor(run, `${phase}-${lane}`, index)).then(checkInProcess(`${phase} ${lane}/${index}`));
  const scrape = (): Promise<Scrape> => scrapeAll(opsUrls());

  console.log(`  warm-up: ${warmUp} through the pipeline, 5 in-process ...`);
  await runStreams({ streams: 1, perStream: warmUp, ask: throughPipeline('warm') });
  await runStreams({ streams: 1, perStream: 5, ask: inProcess('warm-in-process') });

  const half = (total: number) => Math.max(1, Math.ceil(total / 2));
  /** Runs `work` and reports the CPU every process of ours spent meanwhile (the pipeline's, the services', this one's). */
  const withCpu = async <T>(work: () => Promise<T>): Promise<{ result: T; cpu: CpuSpent }> => {
    const meter = budget();
    meter.start();
    const result = await work();
    return { result, cpu: meter.stop(cpus().length) };
  };
  const phase = async (label: string, phaseStreams: number, pipelinePerStream: number, baselinePerStream: number, warmUpPerStream: number) => {
    console.log(`  ${label}: in-process ${phaseStreams} x ${baselinePerStream}, pipeline ${phaseStreams} x ${pipelinePerStream}, in-process ${phaseStreams} x ${baselinePerStream}${warmUpPerStream ? ` (${warmUpPerStream} warm-up each)` : ''} ...`);
    const tag = `${phaseStreams}`;
    const before = await withCpu(() => runStreams({ streams: phaseStreams, perStream: baselinePerStream, warmUpPerStream, ask: inProcess(`in-process-${tag}a`) }));
    const metricsBefore = await scrape();
    const piped = await withCpu(() => runStreams({ streams: phaseStreams, perStream: pipelinePerStream, warmUpPerStream, ask: throughPipeline(`pipeline-${tag}`) }));
    const stages = stageFigures(metricsBefore, await scrape(), pipeline.topicPrefix);
    const after = await withCpu(() => runStreams({ streams: phaseStreams, perStream: baselinePerStream, warmUpPerStream, ask: inProcess(`in-process-${tag}b`) }));
    const answered = (result: { requests: number }) => result.requests + phaseStreams * warmUpPerStream;
    return {
      pipeline: piped.result, inProcess: pooled(before.result, after.result), stages,
      cpu: {
        pipeline: cpuPerAnswer(piped.cpu, answered(piped.result)),
        inProcess: cpuPerAnswer(sumCpu(before.cpu, after.cpu), answered(before.result) + answered(after.result)),
      },
    };
  };
  const one = await phase('1 stream', 1, requests, half(requests), 0);
  const many = await phase(`${streams} streams`, streams, perStream, half(perStream), 1);

  console.log(`  one Kafka hop: ${hopMessages} messages per variant (raw kafkajs and the Rivulet runtime) ...`);
  const hops = await measureKafkaHops({ brokers: services.brokers, registryUrl: services.registryUrl, brokerPid: infra.kafka, messages: hopMessages, concurrent: streams });

  return { ingestion, one, many, hops };
};

try {
  measured = await measure();
  otherPipelines = others.stop();
  if (!options.keep) {
    const api = documentsApi({ baseUrl: pipeline.url, apiKey: pipeline.apiKey });
    cleanup = await deleteAndWait({ pool, api, tenant: pipeline.tenant, collection, documentIds: CORPUS.map((document) => document.id), concurrency: CORPUS.length, timeoutMs: 60_000 });
  }
} finally {
  others.stop();
  for (const client of clients) client.close();
  releaseSignals();
  await pipeline.close();
  await fake.close();
  await embeddingModel.close();
  await chat.close();
  await pool.end();
}

let local: LocalModelResult | { error: string } | 'skipped' = 'skipped';
if (localRuns > 0) {
  console.log(`  local chat model: ${localRuns} answers of ${localTokens} tokens (pipeline stopped, so it has the cores) ...`);
  local = await measureLocalModel({ rivuletHome: home, modelPath: options['local-model'] ?? process.env.CHAT_LOCAL_MODEL_PATH, runs: localRuns, maxOutputTokens: localTokens })
    .catch((error: unknown) => ({ error: (error as Error).message }));
}

const { one, many, hops } = measured;
const verdict = verdicts({ one, many, rawHopP50Ms: hops.raw.waiting.hop.p50 });
printReport({ one, many, hops, verdict, local, streams, problems, otherPipelines });
const wallSeconds = round((Date.now() - startedAt) / 1000, 0);
console.log(`  wall time ${wallSeconds} s (pipeline start ${round(pipelineStartSeconds, 1)} s)`);

const file = await writeResult('chat', {
  run,
  settings: { requests, streams, perStream, warmUp, tokens, tokenDelayMs, topK, hopMessages, localRuns, localTokens, collection, pipelineEnv: extraEnv, chatModel: chatModelName, contextTokens },
  corpus: { documents: CORPUS.length, chunks: measured.ingestion.chunks, ingestSeconds: measured.ingestion.totalSeconds },
  oneStream: one,
  manyStreams: many,
  kafkaHop: hops,
  verdict,
  localModel: local,
  problems, otherPipelines, cleanup, logs: pipeline.logs, tenant: pipeline.tenant,
  pipelineStartSeconds, wallSeconds,
});
console.log(`\nwritten ${file}`);
