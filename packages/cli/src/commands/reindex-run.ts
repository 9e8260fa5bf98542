// The work of `rivulet reindex --model`: replay the chunk topic into a building index version,
// switch search to it once it has caught up, linger, stop. Ports come in; reindex.ts wires them.
import { setTimeout as delay } from 'node:timers/promises';
import type { EmbeddingModel } from '@rivulet/embedding';
import type { GroupReader, GroupRecord } from '@rivulet/kafka';
import type { EventRecords } from '@rivulet/schemas';
import type { CompletedDocument, DocumentVersionRef, SwitchResult } from '@rivulet/store';
import type { ChunkStore, ReplayedChunk } from '@rivulet/worker-indexer';
import { ReindexStop, type CostMeter, type TokenBucket } from './reindex-limits.js';

/**
 * `catching-up`/`waiting`: before the switch. `lingering`: after it, waiting out the workers' model
 * refresh window while replaying. `finishing`: replaying up to the end offsets recorded after
 * the window. `done`.
 */
export type ReindexPhase = 'catching-up' | 'waiting' | 'lingering' | 'finishing' | 'done';

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
  /**
   * Why it stopped early or failed a check, when it did: before the switch the version stays
   * building and a re-run resumes; after it (`documents_not_carried`) a re-run with the same
   * model finishes the post-switch steps.
   */
  stop: { code: string; message: string } | null;
  /** After a committed switch: completing or announcing documents failed (search is switched; a re-run repeats it). */
  warning: { code: string; message: string } | null;
  /** Documents whose current version the retired version shows and the new one does not (after the post-switch catch-up). */
  notCarried: { total: number; documents: DocumentVersionRef[] } | null;
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
  /** Marks completed what completed in the new version first; returns every document completed since the switch (idempotent). */
  complete: () => Promise<CompletedDocument[]>;
  /** Tells the pipeline (document-indexed) about those documents (idempotent for its readers). */
  announce: (documents: readonly CompletedDocument[]) => Promise<void>;
  /** After the post-switch catch-up: documents the retired version shows in their current version and the new one does not. */
  verify: (previous: number) => Promise<{ total: number; documents: DocumentVersionRef[] }>;
  /** The version is already active (a re-run): only the post-switch steps run, against this previous version. */
  alreadyActive?: { previous: number | null };
  meter: CostMeter;
  /** Counts the tokens of texts a local model embedded (remote models report their own through the meter). */
  countTokens?: (texts: readonly string[]) => number;
  bucket?: TokenBucket;
  /**
   * After the switch, how long the workers may take to swap models (their refresh window): the
   * replay goes on meanwhile, then the topic's end offsets are recorded and the replay goes on
   * until the group has committed them (so every chunk a worker embedded with the old model is
   * carried, however slow the replay).
   */
  lingerMs: number;
  /** Told every `pollMs` (and at the end). */
  onProgress: (progress: ReindexProgress) => void;
  /** Aborted by Ctrl-C: stop cleanly, committed work kept. */
  signal: AbortSignal;
  pollMs?: number;
  /** Attempts of one embedding call on a retriable error (rate limit, timeout, 5xx). Default 5. */
  embedAttempts?: number;
}

/**
 * One batch through the new model, each attempt metered (reserved at its bound, counted at the
 * reported usage or its bound): a retried attempt may have been billed too.
 */
const embedWithRetry = async (
  model: EmbeddingModel, texts: string[], { attempts, signal, meter, countTokens }: { attempts: number; signal: AbortSignal; meter: CostMeter; countTokens?: ((texts: readonly string[]) => number) | undefined },
): Promise<Float32Array[]> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await meter.call(texts, () => model.embed(texts, { signal }), countTokens);
    } catch (error) {
      if (error instanceof ReindexStop) throw error;
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

const listDocuments = (documents: readonly DocumentVersionRef[], total: number): string =>
  `${documents.map((document) => `${document.tenantId}/${document.collection}/${document.documentId}@${document.documentVersion}`).join(', ')}${total > documents.length ? `, and ${total - documents.length} more` : ''}`;

export const runReindex = async ({
  model, versionId, store, openReader, switchTo, complete, announce, verify, alreadyActive, meter, countTokens, bucket, lingerMs, onProgress, signal, pollMs = 1_000, embedAttempts = 5,
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
      await bucket?.take(texts.length);
      const vectors = await embedWithRetry(model, texts, { attempts: embedAttempts, signal, meter, countTokens });
      await storeAll(todo.map(({ tenantId, chunk }, index) => () => store.index(tenantId, chunk, { ...embedding, vector: Array.from(vectors[index]!) })), 4);
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
  let switched: { previous: number | null; failedUpdates: number } | undefined = alreadyActive ? { previous: alreadyActive.previous, failedUpdates: 0 } : undefined;
  let switchedAt: Date | null = null;
  let windowStart = alreadyActive ? Date.now() : 0;
  let targets: Map<number, number> | undefined;
  let stop: ReindexOutcome['stop'] = null;
  let warning: ReindexOutcome['warning'] = null;
  let notCarried: ReindexOutcome['notCarried'] = null;
  let completedDocuments = 0;
  if (alreadyActive) state.phase = 'lingering';

  /** Idempotent, so a re-run repeats it: a failure here is a warning, the switch stands. */
  const completeAndAnnounce = async (): Promise<void> => {
    try {
      const documents = await complete();
      completedDocuments = documents.length;
      await announce(documents);
    } catch (error) {
      warning = { code: 'announce_failed', message: `search is switched, but completing or announcing the documents it completed failed (${(error as Error).message}); run the same rivulet reindex --model again to repeat it` };
    }
  };

  const failure = reader.failed.then(() => undefined, (error: unknown) => error as Error);
  const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  try {
    if (alreadyActive) await completeAndAnnounce();
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
      const lag = await reader.lag();
      state.lag = lag.total;
      if (switched === undefined && state.lag === 0) {
        const result = await switchTo();
        if (result.switched) {
          switched = result;
          switchedAt = new Date();
          windowStart = Date.now();
          state.phase = 'lingering';
          state.missing = 0;
          await completeAndAnnounce();
        } else if (result.blocked === 'failed_updates') {
          stop = {
            code: 'failed_updates_not_carried',
            message: `${result.failedUpdates} document(s) whose latest upload failed are shown by the active version in their previous version, which the replay cannot carry: `
              + `${listDocuments(result.documents, result.failedUpdates)}. Upload them again (or delete them), then run the same command again; or add --allow-missing to switch without them (they leave search)`,
          };
          break;
        } else {
          state.phase = 'waiting';
          state.missing = result.missing - result.failedUpdates;
        }
      } else if (switched === undefined && state.phase === 'waiting') {
        state.phase = 'catching-up';
      } else if (state.phase === 'lingering' && Date.now() - windowStart >= lingerMs) {
        // The workers have swapped (or failed to) by now: every chunk one embedded with the old model is before these offsets.
        targets = new Map(lag.partitions.map((partition) => [partition.partition, partition.end]));
        state.phase = 'finishing';
      }
      if (state.phase === 'finishing' && targets !== undefined
        && lag.partitions.every((partition) => partition.lag === 0 || (partition.committed !== null && partition.committed >= (targets!.get(partition.partition) ?? 0)))) {
        onProgress(progress());
        break;
      }
      onProgress(progress());
    }
  } finally {
    await reader.stop();
  }
  if (stop === null && switched !== undefined && switched.previous !== null) {
    notCarried = await verify(switched.previous);
    if (notCarried.total > 0) {
      stop = {
        code: 'documents_not_carried',
        message: `${notCarried.total} document(s) are shown in their current version by the retired index version ${switched.previous} and not by ${versionId}: ${listDocuments(notCarried.documents, notCarried.total)}. `
          + 'Search reads the new version. Run the same rivulet reindex --model again to replay and check again; if they stay, upload them again',
      };
    }
  }
  // What the last batches added (they finish before stop() returns).
  if (stop === null) state.phase = 'done';
  const final = progress();
  onProgress(final);
  return {
    ...final, switched: switched !== undefined, previous: switched?.previous ?? null, switchedAt,
    completedDocuments, failedUpdates: switched?.failedUpdates ?? 0, stop, warning, notCarried, seconds: (Date.now() - started) / 1000,
  };
};
