import { parseModelSpec, probeModel, type EmbeddingModel, type ModelSpec } from '@rivulet/embedding';
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
  /**
   * Tries a loaded model before it is put to work (default: probeModel, one short text whose vector
   * must have the index version's dimension). A model that fails it is closed and not swapped in.
   */
  probe?: (model: EmbeddingModel, dimension: number) => Promise<void>;
  /** Puts a loaded model to work; resolves once the one it replaces is closed. */
  swap: (model: EmbeddingModel) => Promise<void>;
  /** Between two reads of the active version. 0: never (the configured model stays). */
  intervalMs: number;
  /** After a failed load or a model that is not the one the index expects, the same version is tried again only after this. Default 60 s. */
  retryAfterMs?: number;
  onSwapped?: (change: { from: ModelIdentity; to: ModelIdentity; indexVersion: number }) => void;
  /**
   * Every failure, with its stage; never thrown. `load`, `mismatch` and `probe` keep the current
   * model and try the version again after retryAfterMs; `swap` and `swapped` are errors of the
   * swap itself or of onSwapped.
   */
  onError?: (error: Error, stage: RefreshErrorStage) => void;
}

export type RefreshErrorStage = 'read' | 'load' | 'mismatch' | 'probe' | 'swap' | 'swapped';

/** Loads and probes the model of an active version's spec (what main does at start and the refresh before each swap). */
export const loadCheckedModel = async (
  active: ActiveModel,
  { load, probe = (model, dimension) => probeModel(model, { dimension }) }: Pick<ModelRefreshOptions, 'load' | 'probe'>,
): Promise<{ model: EmbeddingModel } | { error: Error; stage: 'load' | 'mismatch' | 'probe' }> => {
  let model: EmbeddingModel;
  try {
    model = await load(parseModelSpec(active.modelSpec));
  } catch (error) {
    return { error: error as Error, stage: 'load' };
  }
  const closeQuietly = () => model.close().catch(() => undefined);
  if (!sameModel(model, active)) {
    await closeQuietly();
    return { error: new Error(`the spec of index version ${active.id} loads ${model.id} (${model.version}, ${model.dimension} dimensions) here, not ${active.modelId} (${active.modelVersion}, ${active.dimension})`), stage: 'mismatch' };
  }
  try {
    await probe(model, active.dimension);
  } catch (error) {
    await closeQuietly();
    return { error: error as Error, stage: 'probe' };
  }
  return { model };
};

export type RefreshOutcome = 'unchanged' | 'bootstrap' | 'swapped' | 'failed';

const sameModel = (model: ModelIdentity, active: ActiveModel): boolean =>
  model.id === active.modelId && model.version === active.modelVersion && model.dimension === active.dimension;

/**
 * Keeps the embedding worker on the model of the active index version (docs/decisions/0014-reindex.md):
 * every `intervalMs` it reads that version, and when its model is not the one in use and it has a
 * spec, loads the spec's model, checks that it is the model the index expects (id, version,
 * dimension), probes it (one short text embedded) and swaps it in; any failure keeps the current
 * model and is reported through onError, never thrown. A version without a spec (the first one, created from what the
 * workers sent) leaves the configured model in place.
 */
export const startModelRefresh = ({ readActive, current, load, probe, swap, intervalMs, retryAfterMs = 60_000, onSwapped, onError }: ModelRefreshOptions) => {
  const failedAt = new Map<number, number>();
  const report = (error: Error, stage: RefreshErrorStage): void => {
    try {
      onError?.(error, stage);
    } catch {
      // A reporter that throws must not become an unhandled rejection of the polling loop.
    }
  };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RefreshOutcome> | undefined;
  let stopped = false;

  const refresh = async (): Promise<RefreshOutcome> => {
    let active: ActiveModel | undefined;
    try {
      active = await readActive();
    } catch (error) {
      report(error as Error, 'read');
      return 'failed';
    }
    const from = current();
    if (active === undefined || sameModel(from, active)) return 'unchanged';
    if (active.modelSpec === null || active.modelSpec === undefined) return 'bootstrap';
    const failed = failedAt.get(active.id);
    if (failed !== undefined && Date.now() - failed < retryAfterMs) return 'failed';
    const checked = await loadCheckedModel(active, { load, ...(probe ? { probe } : {}) });
    if ('error' in checked) {
      failedAt.set(active.id, Date.now());
      report(new Error(`${checked.error.message}: keeping ${from.id} (${from.version})`, { cause: checked.error }), checked.stage);
      return 'failed';
    }
    const { model } = checked;
    if (stopped) {
      await model.close().catch(() => undefined);
      return 'unchanged';
    }
    try {
      await swap(model);
    } catch (error) {
      failedAt.set(active.id, Date.now());
      report(error as Error, 'swap');
      return 'failed';
    }
    try {
      onSwapped?.({ from, to: { id: model.id, version: model.version, dimension: model.dimension }, indexVersion: active.id });
    } catch (error) {
      report(error as Error, 'swapped');
    }
    return 'swapped';
  };

  /** One refresh now (one at a time); the loop calls it, and main once before consuming. */
  const check = (): Promise<RefreshOutcome> => {
    running ??= refresh().catch((error: unknown) => {
      report(error instanceof Error ? error : new Error(String(error)), 'swap');
      return 'failed' as const;
    }).finally(() => {
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
