// The work of `rivulet reindex --model`: replay the chunk topic into a building index version,
// switch search to it once it has caught up, linger, stop. Ports come in; reindex.ts wires them.
import { setTimeout as delay } from 'node:timers/promises';
import type { EmbeddingModel } from '@rivulet/embedding';
import type { GroupReader, GroupRecord } from '@rivulet/kafka';
import type { EventRecords } from '@rivulet/schemas';
import type { CompletedDocument, SwitchResult } from '@rivulet/store';
import type { ChunkStore, ReplayedChunk } from '@rivulet/worker-indexer';
import { ReindexStop, type CostMeter, type TokenBucket } from './reindex-limits.js';

export type ReindexPhase = 'catching-up' | 'waiting' | 'lingering' | 'done';

export interface ReindexProgress {
  phase: ReindexPhase;
  /** Records of the chunk topic read (tombstones and chunks that needed nothing included). */
  read: number;
  /** Chunks embedded with the new model and stored. */
  embedded: number;
  /** Chunks that needed no embedding: not their document's current version, or already in the new version. */
  skipped: number;
  /** Records of the chunk topic not yet read and committed by the re-index group. */
  lag: number | null;
  /** Chunks embedded per second since the start. */
  ratePerSecond: number;
  spentTokens: number;
  spentUsd: number | null;
  /** While waiting: document versions the active index shows that the new one does not yet. */
  missing: number | null;
}

export interface ReindexOutcome extends ReindexProgress {
  switched: boolean;
  /** The index version that was active before the switch. */
  previous: number | null;
  switchedAt: Date | null;
  /** Documents marked completed by the switch (they completed in the new version first). */
  completedDocuments: number;
  /** Documents whose latest upload failed: their previous version stays only in the old index. */
  failedUpdates: number;
  /** Why it stopped early, when it did: the version stays building and a re-run resumes. */
  stop: { code: string; message: string } | null;
  seconds: number;
}

export interface ReindexRunOptions {
  model: EmbeddingModel;
  /** The building index version the model's vectors go to. */
  versionId: number;
  store: ChunkStore;
  /** The replay of the chunk topic in the version's consumer group, calling `handle` per batch. */
  openReader: (handle: (records: readonly GroupRecord<EventRecords>[]) => Promise<void>) => GroupReader;
  /** Makes the version active if it covers the active one (activateIndexVersion). */
  switchTo: () => Promise<SwitchResult>;
  /** Tells the pipeline (document-indexed) about documents the switch completed. */
  announce: (documents: readonly CompletedDocument[]) => Promise<void>;
  meter: CostMeter;
  /** Counts the tokens of texts a local model embedded (remote models report their own through the meter). */
  countTokens?: (texts: readonly string[]) => number;
  bucket?: TokenBucket;
  /** How long to keep replaying after the switch (chunks embedded by workers still on the old model meanwhile). */
  lingerMs: number;
  /** Told every `pollMs` (and at the end). */
  onProgress: (progress: ReindexProgress) => void;
  /** Aborted by Ctrl-C: stop cleanly, committed work kept. */
  signal: AbortSignal;
  pollMs?: number;
  /** Attempts of one embedding call on a retriable error (rate limit, timeout, 5xx). Default 5. */
  embedAttempts?: number;
}

const embedWithRetry = async (model: EmbeddingModel, texts: string[], attempts: number, signal: AbortSignal): Promise<Float32Array[]> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await model.embed(texts, { signal });
    } catch (error) {
      const { retriable, code } = error as { retriable?: boolean; code?: string };
      if (retriable !== true || attempt >= attempts || signal.aborted) {
        throw new ReindexStop('embedding_failed', `the new model failed to embed a batch of ${texts.length} chunks (${code ?? 'error'}): ${(error as Error).message}`, { cause: error });
      }
      await delay(Math.min(10_000, 500 * 2 ** (attempt - 1)));
    }
  }
};

/** Stores at most `limit` chunks at once (each is one transaction on its own connection). */
const storeAll = async (entries: readonly (() => Promise<unknown>)[], limit: number): Promise<void> => {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, entries.length) }, async () => {
    for (let index = next++; index < entries.length; index = next++) await entries[index]!();
  }));
};

export const runReindex = async ({
  model, versionId, store, openReader, switchTo, announce, meter, countTokens, bucket, lingerMs, onProgress, signal, pollMs = 1_000, embedAttempts = 5,
}: ReindexRunOptions): Promise<ReindexOutcome> => {
  const started = Date.now();
  const counts = { read: 0, embedded: 0, skipped: 0 };
  const state: { phase: ReindexPhase; lag: number | null; missing: number | null } = { phase: 'catching-up', lag: null, missing: null };
  const embedding = { modelId: model.id, modelVersion: model.version, dimension: model.dimension };

  const handle = async (records: readonly GroupRecord<EventRecords>[]): Promise<void> => {
    const replayed: ReplayedChunk[] = records.flatMap(({ event }) =>
      event?.type === 'chunk-created' ? [{ tenantId: event.value.tenantId, chunk: event.value.payload.chunk }] : []);
    const needed = await store.unindexed(replayed, versionId);
    const todo = replayed.filter((_, index) => needed[index]);
    if (todo.length > 0) {
      const texts = todo.map(({ chunk }) => chunk.text);
      const release = meter.reserve(texts);
      try {
        await bucket?.take(texts.length);
        const vectors = await embedWithRetry(model, texts, embedAttempts, signal);
        if (countTokens) meter.record(countTokens(texts));
        await storeAll(todo.map(({ tenantId, chunk }, index) => () => store.index(tenantId, chunk, { ...embedding, vector: Array.from(vectors[index]!) })), 4);
      } finally {
        release();
      }
    }
    counts.read += records.length;
    counts.embedded += todo.length;
    counts.skipped += replayed.length - todo.length;
  };

  const progress = (): ReindexProgress => ({
    phase: state.phase, ...counts, lag: state.lag, missing: state.missing,
    ratePerSecond: counts.embedded / Math.max(0.001, (Date.now() - started) / 1000), spentTokens: meter.spentTokens, spentUsd: meter.spentUsd,
  });

  const reader = openReader(handle);
  let switchResult: Extract<SwitchResult, { switched: true }> | undefined;
  let switchedAt: Date | null = null;
  let stop: ReindexOutcome['stop'] = null;
  const failure = reader.failed.then(() => undefined, (error: unknown) => error as Error);
  const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  try {
    await reader.start();
    for (;;) {
      const error = await Promise.race([failure, delay(pollMs).then(() => undefined), aborted.then(() => undefined)]);
      if (error) {
        stop = error instanceof ReindexStop ? { code: error.code, message: error.message } : { code: 'reindex_failed', message: error.message };
        break;
      }
      if (signal.aborted) {
        stop = { code: 'interrupted', message: 'interrupted: the work committed so far is kept; run the same command again to resume' };
        break;
      }
      state.lag = (await reader.lag()).total;
      if (switchResult === undefined && state.lag === 0) {
        const result = await switchTo();
        if (result.switched) {
          switchResult = result;
          switchedAt = new Date();
          state.phase = 'lingering';
          state.missing = 0;
          await announce(result.completed);
        } else {
          state.phase = 'waiting';
          state.missing = result.missing - result.failedUpdates;
        }
      } else if (switchResult === undefined && state.phase === 'waiting') {
        state.phase = 'catching-up';
      }
      onProgress(progress());
      if (switchedAt !== null && Date.now() - switchedAt.getTime() >= lingerMs) break;
    }
  } finally {
    await reader.stop();
  }
  // What the last batches added (they finish before stop() returns).
  if (stop === null) state.phase = 'done';
  const final = progress();
  onProgress(final);
  return {
    ...final, switched: switchResult !== undefined, previous: switchResult?.previous ?? null, switchedAt,
    completedDocuments: switchResult?.completed.length ?? 0, failedUpdates: switchResult?.failedUpdates ?? 0, stop, seconds: (Date.now() - started) / 1000,
  };
};
