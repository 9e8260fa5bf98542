// `rivulet reindex --model <name>`: builds an index version with another embedding model by
// replaying the chunk topic, switches search to it atomically once it has caught up, and leaves
// the old version until `rivulet reindex --drop <version>` (docs/decisions/0014-reindex.md).
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { defineConfig, loadConfig } from '@rivulet/config';
import { EmbeddingError, LOCAL_MODEL, loadModelFromSpec, MODEL_CATALOG, modelSpecName, parseModelName, probeModel, PROBE_TEXT, type EmbeddingModel, type ModelSpec } from '@rivulet/embedding';
import { envelopeFrom, EventCodec, EventProducer, openGroupReader } from '@rivulet/kafka';
import { documentKey, EVENT_TYPES, TOPICS, type EventRecords } from '@rivulet/schemas';
import { activateIndexVersion, completeSwitchedDocuments, createPool, documentsNotCarried, findLastRetiredIndexVersion, registerIndexVersion, StoreError, type CompletedDocument } from '@rivulet/store';
import { embeddingConfigSchema } from '@rivulet/worker-embedding';
import { createChunkStore } from '@rivulet/worker-indexer';
import type { CliConfig } from '../context.js';
import { say, warn } from '../output.js';
import type { CommandAction } from './ask.js';
import { durationFlag } from './cleanup.js';
import { positiveCount } from './database.js';
import { CostMeter, TokenBucket } from './reindex-limits.js';
import { runReindex, type ReindexOutcome, type ReindexProgress } from './reindex-run.js';
import { describeModel, dropVersion, failWith, listVersions, reindexGroupId } from './reindex-versions.js';
import { CALL_TIMEOUT_MS, operatorKafka, usageErrorsExit2 } from './replay.js';

const { EMBEDDING_MODEL_DIR, EMBEDDING_THREADS, EMBEDDING_OPENAI_BASE_URL, EMBEDDING_OPENAI_API_KEY, EMBEDDING_MODEL_REFRESH } = embeddingConfigSchema.shape;

/** The variables `rivulet reindex` reads besides the shared ones: the embedding worker's, meaning the same. */
export const reindexConfigSchema = defineConfig({ EMBEDDING_MODEL_DIR, EMBEDDING_THREADS, EMBEDDING_OPENAI_BASE_URL, EMBEDDING_OPENAI_API_KEY, EMBEDDING_MODEL_REFRESH });

export interface ReindexOptions {
  model?: string;
  dimension?: number;
  baseUrl?: string;
  apiKeyEnv?: string;
  pricePerMillionTokens?: number;
  maxCost?: number;
  rate?: number;
  batchSize: number;
  /** Default: EMBEDDING_MODEL_REFRESH plus LOAD_MARGIN_MS. */
  linger?: number;
  allowMissing?: boolean;
  drop?: number;
  list?: boolean;
  json?: boolean;
  yes?: boolean;
}

/** Exit code of a run stopped before it was done (cost cap): the version stays building, a re-run resumes. */
export const EXIT_STOPPED = 3;
/** Exit code of a run whose switch committed but whose completing/announcing of documents failed (a re-run repeats it). */
export const EXIT_ANNOUNCE_FAILED = 4;
/** Added to the workers' refresh interval for the default --linger: a worker's load and probe of the new model. */
const LOAD_MARGIN_MS = 5_000;

const positiveNumber = (value: string): number => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a number above zero.');
  return parsed;
};

/** The event codec, typed with Rivulet's events (the replay decodes chunk-created; the switch announces document-indexed). */
const eventCodec = (config: CliConfig) => new EventCodec<EventRecords>({ registryUrl: config.SCHEMA_REGISTRY_URL, catalog: EVENT_TYPES });

const money = (usd: number | null): string => (usd === null ? 'unpriced' : `$${usd.toFixed(6)}`);

const progressLine = (version: number, progress: ReindexProgress): string =>
  `reindex v${version}: ${progress.phase}; ${progress.embedded} embedded, ${progress.skipped} skipped, ${progress.lag ?? '?'} left on the chunk topic`
  + `${progress.missing ? `, ${progress.missing} document version(s) of the active index not in it yet` : ''}; ${progress.ratePerSecond.toFixed(1)} chunks/s; ${progress.spentTokens} tokens, ${money(progress.spentUsd)}`;

/** Sends document-indexed `completed` for documents the switch completed, as the indexer does for the active version. */
const announcer = (config: CliConfig) => async (documents: readonly CompletedDocument[]): Promise<void> => {
  if (documents.length === 0) return;
  const producer = new EventProducer<EventRecords>({ kafka: operatorKafka(config), codec: eventCodec(config), topicPrefix: config.KAFKA_TOPIC_PREFIX });
  try {
    await producer.send(documents.map((document) => ({
      topic: TOPICS.documentsIndexed, type: 'document-indexed' as const,
      key: documentKey({ tenantId: document.tenantId, collection: document.collection, documentId: document.documentId }),
      value: {
        ...envelopeFrom({ tenantId: document.tenantId, correlationId: `reindex:${document.documentVersion}` }),
        payload: { documentId: document.documentId, collection: document.collection, documentVersion: document.documentVersion, status: 'completed', chunkCount: document.chunkCount, error: null },
      },
    })));
  } finally {
    await producer.disconnect();
  }
};

const report = (outcome: ReindexOutcome, context: { versionId: number; spec: ModelSpec; model: EmbeddingModel; lingerMs: number }): void => {
  const { versionId, spec, model } = context;
  say(`Index version ${versionId}: ${modelSpecName(spec)}, ${describeModel({ modelId: model.id, modelVersion: model.version, dimension: model.dimension })}.`);
  if (outcome.switched) {
    say(outcome.switchedAt === null
      ? `Index version ${versionId} was already active: the steps after the switch ran again (complete and announce documents, replay up to the topic's end, check against index version ${outcome.previous ?? '-'}).`
      : `Search switched from ${outcome.previous === null ? 'no index version' : `index version ${outcome.previous}`} to ${versionId} at ${outcome.switchedAt.toISOString()}; the replay went on for the workers' refresh window (${Math.round(context.lingerMs / 1000)} s), then up to the chunk topic's end offsets recorded after it.`);
  } else {
    say(`Not switched: index version ${versionId} stays building (search still reads the active version). Run the same command again to resume from where it stopped.`);
  }
  say(`Chunks: ${outcome.read} read, ${outcome.embedded} embedded, ${outcome.skipped} skipped (not current or already in the version); ${outcome.lag ?? '?'} left on the topic.`);
  say(`Rate ${outcome.ratePerSecond.toFixed(1)} chunks/s over ${outcome.seconds.toFixed(1)} s; ${outcome.spentTokens} tokens, ${money(outcome.spentUsd)}.`);
  if (outcome.completedDocuments > 0) say(`${outcome.completedDocuments} document(s) completed by the switch (they had completed in the new version first).`);
  if (outcome.failedUpdates > 0) say(`${outcome.failedUpdates} document(s) whose latest upload failed were left out (--allow-missing): they are not searchable in the new version; upload them again.`);
  if (outcome.notCarried !== null && outcome.notCarried.total === 0 && outcome.previous !== null) say(`Checked: every document whose current version index version ${outcome.previous} shows is shown by ${versionId}.`);
  if (outcome.switched && outcome.previous !== null) say(`Index version ${outcome.previous} stays (retired) until: rivulet reindex --drop ${outcome.previous}`);
};

const buildModel = async (config: CliConfig, options: ReindexOptions, meter: CostMeter): Promise<{ spec: ModelSpec; model: EmbeddingModel } | number> => {
  const settings = loadConfig(reindexConfigSchema);
  let spec: ModelSpec;
  try {
    spec = parseModelName(options.model!, { dimension: options.dimension, baseUrl: options.baseUrl ?? settings.EMBEDDING_OPENAI_BASE_URL, apiKeyEnv: options.apiKeyEnv });
  } catch (error) {
    if (error instanceof EmbeddingError) return failWith(error.code, error.message, options.json, 2);
    throw error;
  }
  if (options.maxCost !== undefined && spec.provider === 'openai-compatible' && options.pricePerMillionTokens === undefined) {
    return failWith('invalid_options', '--max-cost needs the model\'s price: --price-per-million-tokens', options.json, 2);
  }
  try {
    const model = await loadModelFromSpec(spec, {
      localModelDirectory: (name) => (name === LOCAL_MODEL && settings.EMBEDDING_MODEL_DIR) || join(config.RIVULET_HOME, 'models', name),
      intraOpThreads: settings.EMBEDDING_THREADS,
      secret: (name) => (name === 'EMBEDDING_OPENAI_API_KEY' ? settings.EMBEDDING_OPENAI_API_KEY : process.env[name]),
      onUsage: meter.onUsage,
    });
    try {
      // A remote model's key, URL and name are only tried by a request: one short text, metered.
      await meter.call([PROBE_TEXT], () => probeModel(model), model.tokenizer ? (texts) => texts.reduce((sum, text) => sum + model.tokenizer!.countTokens(text), 0) : undefined);
    } catch (error) {
      await model.close();
      throw error;
    }
    return { spec, model };
  } catch (error) {
    if (error instanceof EmbeddingError) return failWith(error.code, `${modelSpecName(spec)} cannot be used: ${error.message}`, options.json);
    throw error;
  }
};

/**
 * `rivulet reindex --model`: 0 when switched (or, for the active model, its post-switch steps
 * finished) and checked, 1 on a refusal or failure (`documents_not_carried` included), 2 on bad
 * flags, 3 when stopped early (cost cap), 4 when switched but completing/announcing documents
 * failed (`announce_failed`), 130 when interrupted.
 */
export const reindex = async (config: CliConfig, options: ReindexOptions): Promise<number> => {
  const modes = [options.model !== undefined, options.drop !== undefined, options.list === true].filter(Boolean).length;
  if (modes !== 1) return failWith('invalid_options', 'give exactly one of --model <name>, --drop <version>, --list', options.json, 2);
  if (options.list === true) return listVersions(config, options);
  if (options.drop !== undefined) return dropVersion(config, options.drop, options);

  const meter = new CostMeter(options.pricePerMillionTokens, options.maxCost);
  const built = await buildModel(config, options, meter);
  if (typeof built === 'number') return built;
  const { spec, model } = built;
  const pool = createPool({ databaseUrl: config.DATABASE_URL, max: 6, applicationName: 'rivulet-reindex' });
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let versionId: number;
    let alreadyActive: { previous: number | null } | undefined;
    try {
      const registered = await registerIndexVersion(pool, { modelId: model.id, modelVersion: model.version, dimension: model.dimension, modelSpec: spec }, { allowActive: true });
      versionId = registered.version.id;
      if (registered.previousState === 'active') alreadyActive = { previous: (await findLastRetiredIndexVersion(pool))?.id ?? null };
    } catch (error) {
      if (error instanceof StoreError) return failWith(error.code, error.message, options.json);
      throw error;
    }
    const groupId = reindexGroupId(config.KAFKA_TOPIC_PREFIX, versionId);
    const kafka = operatorKafka(config);
    const tty = process.stderr.isTTY;
    let lastLine = 0;
    const lingerMs = options.linger ?? loadConfig(reindexConfigSchema).EMBEDDING_MODEL_REFRESH + LOAD_MARGIN_MS;
    warn(alreadyActive
      ? `rivulet reindex: index version ${versionId} (${modelSpecName(spec)}) is already active: finishing the steps after the switch in group ${groupId}`
      : `rivulet reindex: building index version ${versionId} (${modelSpecName(spec)}) from ${config.KAFKA_TOPIC_PREFIX}${TOPICS.chunks} in group ${groupId}`);
    const outcome = await runReindex({
      model, versionId, store: createChunkStore(pool), meter, lingerMs, signal: interrupt.signal, ...(alreadyActive ? { alreadyActive } : {}),
      ...(options.rate === undefined ? {} : { bucket: new TokenBucket(options.rate, Math.max(options.rate, options.batchSize)) }),
      ...(model.tokenizer ? { countTokens: (texts: readonly string[]) => texts.reduce((sum, text) => sum + model.tokenizer!.countTokens(text), 0) } : {}),
      openReader: (handle) => openGroupReader<EventRecords>({
        kafka, codec: eventCodec(config), groupId, topic: `${config.KAFKA_TOPIC_PREFIX}${TOPICS.chunks}`, handle, maxBatchRecords: options.batchSize, timeoutMs: CALL_TIMEOUT_MS,
      }),
      switchTo: () => activateIndexVersion(pool, versionId, { allowMissing: options.allowMissing === true }),
      complete: () => completeSwitchedDocuments(pool, versionId),
      announce: announcer(config),
      verify: (previous) => documentsNotCarried(pool, { retiredId: previous, activeId: versionId, allowMissing: options.allowMissing === true }),
      onProgress: (progress) => {
        if (!tty && Date.now() - lastLine < 5_000 && progress.phase !== 'done') return;
        lastLine = Date.now();
        process.stderr.write(tty ? `\r${progressLine(versionId, progress)}\u001b[K` : `${progressLine(versionId, progress)}\n`);
      },
    });
    if (tty) process.stderr.write('\n');
    const exitCode = outcome.stop === null ? (outcome.warning === null ? 0 : EXIT_ANNOUNCE_FAILED)
      : outcome.stop.code === 'interrupted' ? 130 : outcome.stop.code === 'cost_cap_reached' ? EXIT_STOPPED : 1;
    if (options.json === true) {
      say(JSON.stringify({
        indexVersion: versionId, model: { name: modelSpecName(spec), id: model.id, version: model.version, dimension: model.dimension },
        switched: outcome.switched, previous: outcome.previous, switchedAt: outcome.switchedAt, read: outcome.read, embedded: outcome.embedded, skipped: outcome.skipped,
        lag: outcome.lag, tokens: outcome.spentTokens, costUsd: outcome.spentUsd, seconds: outcome.seconds, completedDocuments: outcome.completedDocuments,
        estimatedTokens: meter.estimatedTokens, failedUpdates: outcome.failedUpdates, notCarried: outcome.notCarried, warning: outcome.warning, error: outcome.stop,
      }));
    } else {
      report(outcome, { versionId, spec, model, lingerMs });
    }
    if (outcome.warning !== null) warn(`rivulet reindex: ${outcome.warning.code}: ${outcome.warning.message}`);
    if (outcome.stop !== null) warn(`rivulet reindex: ${outcome.stop.code}: ${outcome.stop.message}`);
    return exitCode;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await model.close();
    await pool.end();
  }
};

export const registerReindexCommand = (program: Command, action: CommandAction): Command =>
  usageErrorsExit2(program.command('reindex'))
    .description('Build an index version with another embedding model from the chunk topic and switch search to it atomically once it has caught up; list or drop index versions.')
    .option('--model <name>', `the new model: ${MODEL_CATALOG.map((entry) => `${entry.name} (${entry.description})`).join('; ')}`)
    .option('--dimension <n>', 'openai:<model>: the vector dimension it returns', positiveCount)
    .option('--base-url <url>', 'openai:<model>: the API base URL up to /v1 (default EMBEDDING_OPENAI_BASE_URL)')
    .option('--api-key-env <name>', 'openai:<model>: the environment variable holding the API key, on this machine and every embedding worker', 'EMBEDDING_OPENAI_API_KEY')
    .option('--price-per-million-tokens <usd>', 'openai:<model>: the price, for the cost report and --max-cost', positiveNumber)
    .option('--max-cost <usd>', 'stop (exit 3, version left building) before this run could spend more', positiveNumber)
    .option('--rate <chunks/s>', 'embed at most this many chunks per second (default: as fast as the model goes)', positiveNumber)
    .option('--batch-size <n>', 'chunks per model call', positiveCount, 32)
    .addOption(new Option('--linger <duration>', 'after the switch, the embedding workers\' refresh window: keep replaying this long, then up to the chunk topic\'s end offsets recorded then, and check that every document the old version shows is in the new one').argParser(durationFlag).default(undefined, 'EMBEDDING_MODEL_REFRESH + 5s'))
    .option('--allow-missing', 'switch even though documents whose latest upload failed cannot be carried (their previous version leaves search); without it the switch is refused and they are listed')
    .option('--drop <version>', 'remove a retired or building index version: its rows and HNSW index (refuses the active one)', positiveCount)
    .option('--list', 'the index versions: model, state, row counts, times')
    .option('-y, --yes', '--drop without asking (required when standard input is not a terminal)')
    .option('--json', 'print one JSON object')
    .action(action((config, options: ReindexOptions) => reindex(config, options)));
