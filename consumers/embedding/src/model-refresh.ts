import { parseModelSpec, type EmbeddingModel, type ModelSpec } from '@rivulet/embedding';
import type { ModelIdentity } from './batcher.js';

/** The active index version's model, as index_versions records it. */
export interface ActiveModel {
  id: number;
  modelId: string;
  modelVersion: string;
  dimension: number;
  /** How to build it; null for a version the indexer created from what the workers sent (the bootstrap model). */
  modelSpec: unknown;
}

export interface ModelRefreshOptions {
  /** The active index version, or undefined when there is none. */
  readActive: () => Promise<ActiveModel | undefined>;
  /** The model embedding now. */
  current: () => ModelIdentity;
  load: (spec: ModelSpec) => Promise<EmbeddingModel>;
  /** Puts a loaded model to work; resolves once the one it replaces is closed. */
  swap: (model: EmbeddingModel) => Promise<void>;
  /** Between two reads of the active version. 0: never (the configured model stays). */
  intervalMs: number;
  /** After a failed load or a model that is not the one the index expects, the same version is tried again only after this. Default 60 s. */
  retryAfterMs?: number;
  onSwapped?: (change: { from: ModelIdentity; to: ModelIdentity; indexVersion: number }) => void;
  onError?: (error: Error, stage: 'read' | 'load' | 'mismatch') => void;
}

export type RefreshOutcome = 'unchanged' | 'bootstrap' | 'swapped' | 'failed';

const sameModel = (model: ModelIdentity, active: ActiveModel): boolean =>
  model.id === active.modelId && model.version === active.modelVersion && model.dimension === active.dimension;

/**
 * Keeps the embedding worker on the model of the active index version (docs/decisions/0014-reindex.md):
 * every `intervalMs` it reads that version, and when its model is not the one in use and it has a
 * spec, loads the spec's model, checks that it is the model the index expects (id, version,
 * dimension) and swaps it in. A version without a spec (the first one, created from what the
 * workers sent) leaves the configured model in place.
 */
export const startModelRefresh = ({ readActive, current, load, swap, intervalMs, retryAfterMs = 60_000, onSwapped, onError }: ModelRefreshOptions) => {
  const failedAt = new Map<number, number>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RefreshOutcome> | undefined;
  let stopped = false;

  const refresh = async (): Promise<RefreshOutcome> => {
    let active: ActiveModel | undefined;
    try {
      active = await readActive();
    } catch (error) {
      onError?.(error as Error, 'read');
      return 'failed';
    }
    const from = current();
    if (active === undefined || sameModel(from, active)) return 'unchanged';
    if (active.modelSpec === null || active.modelSpec === undefined) return 'bootstrap';
    const failed = failedAt.get(active.id);
    if (failed !== undefined && Date.now() - failed < retryAfterMs) return 'failed';
    let model: EmbeddingModel;
    try {
      model = await load(parseModelSpec(active.modelSpec));
    } catch (error) {
      failedAt.set(active.id, Date.now());
      onError?.(error as Error, 'load');
      return 'failed';
    }
    if (!sameModel(model, active)) {
      failedAt.set(active.id, Date.now());
      await model.close();
      onError?.(new Error(`the spec of index version ${active.id} loads ${model.id} (${model.version}, ${model.dimension} dimensions) here, not ${active.modelId} (${active.modelVersion}, ${active.dimension}): keeping ${from.id} (${from.version})`), 'mismatch');
      return 'failed';
    }
    if (stopped) {
      await model.close();
      return 'unchanged';
    }
    await swap(model);
    onSwapped?.({ from, to: { id: model.id, version: model.version, dimension: model.dimension }, indexVersion: active.id });
    return 'swapped';
  };

  /** One refresh now (one at a time); the loop calls it, and main once before consuming. */
  const check = (): Promise<RefreshOutcome> => {
    running ??= refresh().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (): void => {
    if (stopped || intervalMs <= 0) return;
    timer = setTimeout(() => void check().finally(schedule), intervalMs);
    timer.unref();
  };
  schedule();

  return {
    check,
    /** Stops polling; waits for a refresh in progress. */
    stop: async (): Promise<void> => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
};
