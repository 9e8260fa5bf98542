import { createHash } from 'node:crypto';
import type { EmbeddingModel } from '@rivulet/embedding';
import type { EmbeddingCache } from './cache.js';

export interface BatchingEmbedderOptions {
  /** The model of the first batches; replaceModel swaps it. */
  model: EmbeddingModel;
  cache: EmbeddingCache;
  /**
   * For texts embedded with `fitToModel`: what of a text the model reads (fitQueryToModel), per
   * model, applied when the batch runs, so a text is always cut for the model that embeds it.
   * Default: the text as is.
   */
  fitText?: (model: EmbeddingModel) => (text: string) => string;
  /** Texts per `session.run` at most. */
  maxBatchSize?: number;
  /** How long the first text of a batch waits for others. */
  maxWaitMs?: number;
  /**
   * While bulk texts wait, at most this many high-priority batches run in a row before one bulk
   * batch does, so a steady stream of queries slows ingestion down but never stops it.
   */
  maxHighBatchesInARow?: number;
  /** Reports each model call: texts embedded, cache hits, the call's duration and its lane. */
  onBatch?: (report: BatchReport) => void;
}

/**
 * `high`: someone is waiting for the answer (a chat query); goes ahead of everything `normal`.
 * `normal`: bulk work (ingestion chunks), batched as full as possible.
 */
export type EmbedPriority = 'high' | 'normal';

export interface EmbedOptions {
  priority?: EmbedPriority;
  /** Cut the text to what the embedding model reads (the `fitText` option) instead of failing when it is longer. */
  fitToModel?: boolean;
}

/** Which model made a vector: id, version and dimension, as events and index versions name it. */
export interface ModelIdentity {
  id: string;
  version: string;
  dimension: number;
}

/** A vector and the model that made it (models can be swapped between batches). */
export interface EmbeddedText {
  vector: Float32Array;
  model: ModelIdentity;
}

export interface BatchReport {
  size: number;
  embedded: number;
  cacheHits: number;
  seconds: number;
  priority: EmbedPriority;
}

interface Pending {
  text: string;
  fit: boolean;
  resolve: (embedded: EmbeddedText) => void;
  reject: (error: unknown) => void;
}

/** A text of a batch as it runs: keyed by the batch's model. */
interface Keyed extends Pending {
  key: string;
  input: string;
}

export const contentHash = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/**
 * Dynamic batching: texts from any number of concurrent handlers (any partition) are collected
 * until `maxBatchSize` or `maxWaitMs`, whichever comes first; the cache is read in one MGET,
 * identical texts are embedded once, and the model runs once per batch. One batch runs at a
 * time: while it does (the model runs in its own thread), the next one fills, and it starts the
 * moment the model is free. That is what keeps batches full under load.
 *
 * Two lanes. A `high` text (a chat query) never queues behind `normal` ones (an ingestion
 * backlog): the next batch to run is made of waiting high texts only, so a query waits for the
 * batch already running, then for a batch of short query texts (and, only under a steady stream
 * of queries, for one bulk batch after every `maxHighBatchesInARow` query batches). A query batch
 * is not topped up with chunks on purpose: a model call costs about the tokens of the whole padded
 * batch, so 31 chunks of 256 tokens beside a query would multiply the query's own wait.
 *
 * The model can be replaced while texts wait (a re-index switched search to another model):
 * each batch takes the model of the moment it starts, keys the cache by it and tells every
 * caller which model made its vector.
 */
export class BatchingEmbedder {
  private currentModel: EmbeddingModel;
  private readonly cache: EmbeddingCache;
  private readonly fitText: (model: EmbeddingModel) => (text: string) => string;
  private readonly fitters = new WeakMap<EmbeddingModel, (text: string) => string>();
  private runningBatch: Promise<void> | undefined;
  private readonly maxBatchSize: number;
  private readonly maxWaitMs: number;
  private readonly maxHighBatchesInARow: number;
  private readonly onBatch: BatchingEmbedderOptions['onBatch'];
  private readonly queues: Record<EmbedPriority, Pending[]> = { high: [], normal: [] };
  private highBatchesInARow = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor({ model, cache, fitText = () => (text) => text, maxBatchSize = 32, maxWaitMs = 5, maxHighBatchesInARow = 4, onBatch }: BatchingEmbedderOptions) {
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new RangeError(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
    if (!Number.isInteger(maxHighBatchesInARow) || maxHighBatchesInARow < 1) throw new RangeError(`maxHighBatchesInARow must be a positive integer, got ${maxHighBatchesInARow}`);
    this.currentModel = model;
    this.cache = cache;
    this.fitText = fitText;
    this.maxBatchSize = maxBatchSize;
    this.maxWaitMs = maxWaitMs;
    this.maxHighBatchesInARow = maxHighBatchesInARow;
    this.onBatch = onBatch;
  }

  /** The model the next batch will use. */
  get model(): EmbeddingModel {
    return this.currentModel;
  }

  /** The cache key of a text under a model (default the current one): model id, model version and content hash. */
  keyFor(text: string, model: ModelIdentity = this.currentModel): string {
    return `rivulet:embedding:${model.id}:${model.version}:${contentHash(text)}`;
  }

  /** The vector of `text` and the model that made it; `priority: 'high'` for a caller that someone is waiting on. */
  embed(text: string, { priority = 'normal', fitToModel = false }: EmbedOptions = {}): Promise<EmbeddedText> {
    return new Promise((resolve, reject) => {
      this.queues[priority].push({ text, fit: fitToModel, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Batches from now on use `model`, waiting texts included. Resolves with the previous model once
   * the batch that was running with it (if any) has finished: close it then.
   */
  async replaceModel(model: EmbeddingModel): Promise<EmbeddingModel> {
    const previous = this.currentModel;
    this.currentModel = model;
    await this.runningBatch;
    return previous;
  }

  /** While a batch runs, the queues just grow: the batch's end takes the next one at once. */
  private schedule(): void {
    if (this.busy) return;
    // Someone is waiting on a high text and the model is idle: waiting for company only adds
    // latency (texts that come while it runs are batched by the busy path).
    if (this.queues.high.length > 0 || this.queues.normal.length >= this.maxBatchSize) this.dispatch();
    else this.timer ??= setTimeout(() => this.dispatch(), this.maxWaitMs);
  }

  /** High first, unless high batches have already run `maxHighBatchesInARow` times while bulk waited. */
  private nextLane(): EmbedPriority | undefined {
    const { high, normal } = this.queues;
    if (high.length > 0 && (normal.length === 0 || this.highBatchesInARow < this.maxHighBatchesInARow)) return 'high';
    if (normal.length > 0) return 'normal';
    return undefined;
  }

  private dispatch(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.busy) return;
    const lane = this.nextLane();
    if (lane === undefined) return;
    this.highBatchesInARow = lane === 'high' && this.queues.normal.length > 0 ? this.highBatchesInARow + 1 : 0;
    this.busy = true;
    const batch = this.queues[lane].splice(0, this.maxBatchSize);
    const running = this.run(batch, lane, this.currentModel);
    this.runningBatch = running;
    void running.finally(() => {
      this.busy = false;
      this.runningBatch = undefined;
      // Whatever queued meanwhile has already waited a whole batch: no extra wait.
      this.dispatch();
    });
  }

  private settle(batch: readonly Keyed[], model: ModelIdentity, vectors: ReadonlyMap<string, Float32Array>, failures: ReadonlyMap<string, unknown>): void {
    const identity = { id: model.id, version: model.version, dimension: model.dimension };
    for (const item of batch) {
      const vector = vectors.get(item.key);
      if (vector) item.resolve({ vector, model: identity });
      else item.reject(failures.get(item.key));
    }
  }

  private fitterOf(model: EmbeddingModel): (text: string) => string {
    let fitter = this.fitters.get(model);
    if (!fitter) {
      fitter = this.fitText(model);
      this.fitters.set(model, fitter);
    }
    return fitter;
  }

  private async run(pending: Pending[], priority: EmbedPriority, model: EmbeddingModel): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      const batch: Keyed[] = pending.map((item) => {
        const input = item.fit ? this.fitterOf(model)(item.text) : item.text;
        return { ...item, input, key: this.keyFor(input, model) };
      });
      const unique = [...new Map(batch.map((item) => [item.key, item.input])).entries()];
      const cached = await this.cache.getMany(unique.map(([key]) => key));
      const vectors = new Map<string, Float32Array>();
      const missing: [string, string][] = [];
      unique.forEach(([key, text], index) => {
        const hit = cached[index];
        if (hit && hit.length === model.dimension) vectors.set(key, hit);
        else missing.push([key, text]);
      });
      const failures = new Map<string, unknown>();
      if (missing.length > 0) {
        const entries = await this.embedMissing(model, missing, failures);
        for (const { key, vector } of entries) vectors.set(key, vector);
        // Callers get their vectors first; the cache write is not on their path.
        this.settle(batch, model, vectors, failures);
        await this.cache.setMany(entries);
      } else {
        this.settle(batch, model, vectors, failures);
      }
      this.onBatch?.({ size: batch.length, embedded: missing.length, cacheHits: unique.length - missing.length, seconds: Number(process.hrtime.bigint() - started) / 1e9, priority });
    } catch (error) {
      for (const item of pending) item.reject(error);
    }
  }

  /**
   * One model call for the batch. If it fails for a reason that is the input's (a text too
   * long), each text is tried alone so one bad chunk fails only its own event.
   */
  private async embedMissing(model: EmbeddingModel, missing: [string, string][], failures: Map<string, unknown>): Promise<{ key: string; vector: Float32Array }[]> {
    try {
      const computed = await model.embed(missing.map(([, text]) => text));
      return missing.map(([key], index) => ({ key, vector: computed[index]! }));
    } catch (error) {
      if (missing.length === 1 || (error as { retriable?: boolean }).retriable !== false) throw error;
      const entries: { key: string; vector: Float32Array }[] = [];
      for (const [key, text] of missing) {
        try {
          entries.push({ key, vector: (await model.embed([text]))[0]! });
        } catch (single) {
          failures.set(key, single);
        }
      }
      return entries;
    }
  }
}
