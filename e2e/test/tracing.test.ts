// Tracing end to end: the real processes, with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a small
// OTLP/HTTP JSON receiver in this test, answer one chat (a fake OpenAI-compatible provider
// generates, so no local model is needed). One trace per request across every hop, spans whose
// ids are the ones in the Kafka headers, worker logs carrying the same trace id; and a process
// without an endpoint exports nothing and never loads the OpenTelemetry SDK.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { startFakeOpenAI, type FakeProviderServer } from '@rivulet/fake-providers';
import { startTraceCollector, type CollectedSpan, type TraceCollector } from '@rivulet/observability';
import { connect, type Frame } from './support/chat.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

const SERVER = 2;
const CONSUMER = 5;

// Preloaded into every process (NODE_OPTIONS): on exit, writes which OpenTelemetry modules Node
// loaded (they are CommonJS, so they are in require's cache) to <folder>/<pid>.json.
const modulesReport = `
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const loaded = Object.keys(cache).filter((path) => path.includes('@opentelemetry'));
  writeFileSync(process.env.RIVULET_TEST_MODULES_DIR + '/' + process.pid + '.json', JSON.stringify(loaded));
});
`;
const sdkModules = (loaded: string[]): string[] => loaded.filter((path) => /[\\/]@opentelemetry[\\/](sdk-trace|exporter-trace-otlp|resources)[\\/]/.test(path));

let fake: FakeProviderServer;
let collector: TraceCollector;
let pipeline: Pipeline;
let modulesDir: string;
before(async () => {
  modulesDir = await mkdtemp(join(tmpdir(), 'rivulet-tracing-'));
  const preload = join(modulesDir, 'report-modules.mjs');
  await writeFile(preload, modulesReport);
  fake = await startFakeOpenAI({ reply: 'Spring tides follow the moon.' });
  collector = await startTraceCollector();
  pipeline = await startPipeline({
    processes: ['ingress', 'embedding', 'retrieval', 'generation'],
    env: {
      CHAT_PROVIDER: 'openai-compatible', OPENAI_BASE_URL: fake.url, CHAT_MODEL: 'fake-chat', CHAT_REQUEST_TIMEOUT: '30s',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, LOG_LEVEL: 'debug',
      NODE_OPTIONS: `--import=${pathToFileURL(preload).href}`, RIVULET_TEST_MODULES_DIR: modulesDir,
    },
  });
});
after(async () => {
  await pipeline?.close();
  await collector?.close();
  await fake?.close();
  if (modulesDir) await rm(modulesDir, { recursive: true, force: true });
});

/** Asks one question on a WebSocket and returns its request id once the answer is done. */
const ask = async (message: string): Promise<string> => {
  const client = await connect(pipeline.url, pipeline.apiKey);
  try {
    const frames: Frame[] = await client.chat({ id: 'q', message });
    assert.equal(frames.at(-1)?.type, 'done', JSON.stringify(frames.at(-1)));
    return (frames[0] as Frame & { requestId: string }).requestId;
  } finally {
    client.close();
  }
};

const spansOf = (requestId: string): CollectedSpan[] => collector.spans.filter((span) => span.attributes['rivulet.request_id'] === requestId);

const waitForSpans = async (requestId: string, done: (spans: CollectedSpan[]) => boolean): Promise<CollectedSpan[]> => {
  // Spans leave in batches every 5 s (and at shutdown).
  const deadline = Date.now() + 15_000;
  while (!done(spansOf(requestId))) {
    assert.ok(Date.now() < deadline, `spans of ${requestId}: ${JSON.stringify(spansOf(requestId).map(({ service, name }) => [service, name]))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return spansOf(requestId);
};

/** JSON log lines of one process that name the request. */
const logLinesOf = async (name: string, requestId: string): Promise<Record<string, unknown>[]> =>
  (await readFile(join(pipeline.logs, `${name}.log`), 'utf8')).split('\n')
    .filter((line) => line.startsWith('{') && line.includes(requestId))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.requestId === requestId);

let tracedRequest: { requestId: string; traceId: string } | undefined;

test('one chat is one trace: ingress root span -> embedding -> retrieval -> generation -> the ingress reading the replies, ids as in the headers', { timeout: 60_000 }, async () => {
  const requestId = await ask('Why are spring tides higher?');
  const consumerOf = (spans: CollectedSpan[], service: string) => spans.filter((span) => span.service === service && span.kind === CONSUMER);
  const spans = await waitForSpans(requestId, (found) =>
    found.some(({ kind }) => kind === SERVER) && consumerOf(found, 'rivulet-ingress').some(({ attributes }) => attributes['rivulet.event_type'] === 'reply-end')
    && ['rivulet-embedding', 'rivulet-retrieval', 'rivulet-generation'].every((service) => consumerOf(found, service).length > 0));

  const [root, ...otherRoots] = spans.filter(({ kind }) => kind === SERVER);
  assert.ok(root && otherRoots.length === 0, 'one root span');
  assert.deepEqual([root.service, root.name, root.parentSpanId, root.attributes['rivulet.tenant_id'], root.attributes['rivulet.request.kind'], root.attributes['rivulet.outcome']],
    ['rivulet-ingress', 'chat request', '', pipeline.tenant, 'chat', 'done']);
  const traceId = root.traceId;
  assert.deepEqual([...new Set(spans.map((span) => span.traceId))], [traceId], 'every span of the request is in one trace');
  assert.ok(collector.spans.filter((span) => span.traceId === traceId).every((span) => span.attributes['rivulet.request_id'] === requestId), 'and the trace holds this request only');

  const single = (service: string, eventType: string): CollectedSpan => {
    const found = consumerOf(spans, service).filter(({ attributes }) => attributes['rivulet.event_type'] === eventType);
    assert.equal(found.length, 1, `one ${service} span for ${eventType}: ${JSON.stringify(spans.map(({ service: s, name }) => [s, name]))}`);
    return found[0]!;
  };
  const embedding = single('rivulet-embedding', 'chat-request-received');
  const retrieval = single('rivulet-retrieval', 'query-embedded');
  const generation = single('rivulet-generation', 'context-retrieved');
  const replies = consumerOf(spans, 'rivulet-ingress');
  assert.ok(replies.some(({ attributes }) => attributes['rivulet.event_type'] === 'reply-delta'), 'the ingress read the deltas');

  // The chain, by the ids the exporter sent: each hop's parent is the hop that produced its event.
  assert.equal(embedding.parentSpanId, root.spanId, 'embedding is a child of the ingress root span');
  assert.equal(retrieval.parentSpanId, embedding.spanId);
  assert.equal(generation.parentSpanId, retrieval.spanId);
  for (const reply of replies) assert.equal(reply.parentSpanId, generation.spanId, `${String(reply.attributes['rivulet.event_type'])} is a child of the generation span`);

  assert.deepEqual(
    ['messaging.system', 'messaging.destination.name', 'messaging.consumer.group.name', 'messaging.destination.partition.id'].map((key) => typeof embedding.attributes[key]),
    ['string', 'string', 'string', 'string'],
  );
  assert.equal(embedding.attributes['messaging.system'], 'kafka');
  assert.equal(embedding.attributes['messaging.destination.name'], `${pipeline.topicPrefix}rivulet.chat.requests`);
  assert.equal(embedding.attributes['messaging.consumer.group.name'], `${pipeline.topicPrefix}rivulet-embedding-queries`);
  assert.equal(typeof embedding.attributes['messaging.kafka.offset'], 'number');
  for (const span of spans) assert.notEqual(span.status.code, 2, `${span.service} ${span.name} did not fail`);

  // Worker logs of this request carry its trace id, and the span id of their own hop.
  for (const [name, span] of [['embedding', embedding], ['retrieval', retrieval], ['generation', generation]] as const) {
    const lines = await logLinesOf(name, requestId);
    assert.ok(lines.length > 0, `${name} logged the request`);
    for (const line of lines) assert.equal(line.traceId, traceId, `${name}: ${JSON.stringify(line)}`);
    assert.ok(lines.some((line) => line.spanId === span.spanId && line.msg === 'event handled'), `${name} logged its span id`);
  }
  const ingressLines = await logLinesOf('ingress', requestId);
  assert.ok(ingressLines.length > 0 && ingressLines.every((line) => line.traceId === traceId), 'the ingress lines carry it too');
  tracedRequest = { requestId, traceId };
});

test('without an endpoint a process exports nothing and never loads the SDK, yet carries the trace on', { timeout: 60_000 }, async () => {
  assert.ok(tracedRequest, 'runs after the traced request');
  const tracedRetrievalPid = pipeline.pid('retrieval');
  // The same worker without tracing takes over the retrieval group (an empty value counts as unset).
  await pipeline.stop('retrieval');
  await pipeline.start('retrieval#2', { OTEL_EXPORTER_OTLP_ENDPOINT: '' });
  const untracedPid = pipeline.pid('retrieval#2');

  const requestId = await ask('And neap tides?');
  const spans = await waitForSpans(requestId, (found) => found.some(({ kind }) => kind === SERVER) && found.some(({ service }) => service === 'rivulet-generation'));
  const root = spans.find(({ kind }) => kind === SERVER)!;
  assert.notEqual(root.traceId, tracedRequest.traceId, 'a trace per request');
  assert.deepEqual(spans.filter(({ service }) => service === 'rivulet-retrieval'), [], 'the untraced process exported nothing');
  const generation = spans.find(({ service }) => service === 'rivulet-generation')!;
  assert.equal(generation.traceId, root.traceId, 'the trace id went through the untraced hop');
  assert.ok(!spans.some(({ spanId }) => spanId === generation.parentSpanId), 'its parent is the untraced hop, which no exporter sent');
  const retrievalLines = await logLinesOf('retrieval#2', requestId);
  assert.ok(retrievalLines.length > 0 && retrievalLines.every((line) => line.traceId === root.traceId), 'its logs still carry the trace id');

  await pipeline.stop('retrieval#2');
  const report = async (pid: number | undefined): Promise<string[]> => JSON.parse(await readFile(join(modulesDir, `${pid}.json`), 'utf8')) as string[];
  assert.ok((await readdir(modulesDir)).includes(`${tracedRetrievalPid}.json`), 'the traced process wrote its report');
  assert.ok(sdkModules(await report(tracedRetrievalPid)).length > 0, 'the report sees the SDK where tracing is on');
  assert.deepEqual(sdkModules(await report(untracedPid)), [], 'and not where it is off');
});
