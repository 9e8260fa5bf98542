import { createHash } from 'node:crypto';
import type { EmbeddingModel } from '@rivulet/embedding';
import type { EmbeddingCache } from './cache.js';

export interface BatchingEmbedderOptions {
  model: EmbeddingModel;
  cache: EmbeddingCache;
  /** Texts per `session.run` at most. */
  maxBatchSize?: number;
  /** How long the first text of a batch waits for others. */
  maxWaitMs?: number;
  /** Reports each model call: texts embedded, cache hits and the call's duration. */
  onBatch?: (report: { size: number; embedded: number; cacheHits: number; seconds: number }) => void;
}

interface Pending {
  text: string;
  key: string;
  resolve: (vector: Float32Array) => void;
  reject: (error: unknown) => void;
}

export const contentHash = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/**
 * Dynamic batching: texts from any number of concurrent handlers (any partition) are collected
 * until `maxBatchSize` or `maxWaitMs`, whichever comes first; the cache is read in one MGET,
 * identical texts are embedded once, and the model runs once per batch. One batch runs at a
 * time: while it does (the model runs in its own thread), the next one fills, and it starts the
 * moment the model is free. That is what keeps batches full under load.
 */
export class BatchingEmbedder {
  private readonly model: EmbeddingModel;
  private readonly cache: EmbeddingCache;
  private readonly maxBatchSize: number;
  private readonly maxWaitMs: number;
  private readonly onBatch: BatchingEmbedderOptions['onBatch'];
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor({ model, cache, maxBatchSize = 32, maxWaitMs = 5, onBatch }: BatchingEmbedderOptions) {
    this.model = model;
    this.cache = cache;
    this.maxBatchSize = maxBatchSize;
    this.maxWaitMs = maxWaitMs;
    this.onBatch = onBatch;
  }

  /** The cache key of a text under this model: model id, model version and content hash. */
  keyFor(text: string): string {
    return `rivulet:embedding:${this.model.id}:${this.model.version}:${contentHash(text)}`;
  }

  embed(text: string): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ text, key: this.keyFor(text), resolve, reject });
      this.schedule();
    });
  }

  /** While a batch runs, the queue just grows: the batch's end takes the next one at once. */
  private schedule(): void {
    if (this.busy) return;
    if (this.queue.length >= this.maxBatchSize) this.dispatch();
    else this.timer ??= setTimeout(() => this.dispatch(), this.maxWaitMs);
  }

  private dispatch(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.busy || this.queue.length === 0) return;
    this.busy = true;
    const batch = this.queue.splice(0, this.maxBatchSize);
    void this.run(batch).finally(() => {
      this.busy = false;
      // Whatever queued meanwhile has already waited a whole batch: no extra wait.
      this.dispatch();
    });
  }

  private async run(batch: Pending[]): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      const unique = [...new Map(batch.map((item) => [item.key, item.text])).entries()];
      const cached = await this.cache.getMany(unique.map(([key]) => key));
      const vectors = new Map<string, Float32Array>();
      const missing: [string, string][] = [];
      unique.forEach(([key, text], index) => {
        const hit = cached[index];
        if (hit && hit.length === this.model.dimension) vectors.set(key, hit);
        else missing.push([key, text]);
      });
      const failures = new Map<string, unknown>();
      if (missing.length > 0) {
        const entries = await this.embedMissing(missing, failures);
        for (const { key, vector } of entries) vectors.set(key, vector);
        await this.cache.setMany(entries);
      }
      for (const item of batch) {
        const vector = vectors.get(item.key);
        if (vector) item.resolve(vector);
        else item.reject(failures.get(item.key));
      }
      this.onBatch?.({ size: batch.length, embedded: missing.length, cacheHits: unique.length - missing.length, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }

  /**
   * One model call for the batch. If it fails for a reason that is the input's (a text too
   * long), each text is tried alone so one bad chunk fails only its own event.
   */
  private async embedMissing(missing: [string, string][], failures: Map<string, unknown>): Promise<{ key: string; vector: Float32Array }[]> {
    try {
      const computed = await this.model.embed(missing.map(([, text]) => text));
      return missing.map(([key], index) => ({ key, vector: computed[index]! }));
    } catch (error) {
      if (missing.length === 1 || (error as { retriable?: boolean }).retriable !== false) throw error;
      const entries: { key: string; vector: Float32Array }[] = [];
      for (const [key, text] of missing) {
        try {
          entries.push({ key, vector: (await this.model.embed([text]))[0]! });
        } catch (single) {
          failures.set(key, single);
        }
      }
      return entries;
    }
  }
}
