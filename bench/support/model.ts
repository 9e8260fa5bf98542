import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { loadOnnxEmbeddingModel, type EmbeddingModel, type OnnxVariant } from '@rivulet/embedding';

/**
 * The embedding worker's defaults (consumers/embedding/src/config.ts: EMBEDDING_THREADS,
 * EMBEDDING_BATCH_SIZE, EMBEDDING_BATCH_WAIT). The benchmarks measure at these unless told otherwise.
 */
export const WORKER_DEFAULTS = { threads: 2, batchSize: 32, batchWaitMs: 5 } as const;

/** The model as the worker loads it (consumers/embedding/src/model.ts): one session, `threads` intra-op threads. */
export const loadModel = (modelDirectory: string, threads: number, variant: OnnxVariant = 'int8'): Promise<EmbeddingModel> =>
  loadOnnxEmbeddingModel({ modelDirectory, variant, intraOpThreads: threads, interOpThreads: 1 });

export const fp32Available = async (modelDirectory: string): Promise<boolean> =>
  access(join(modelDirectory, 'model-fp32.onnx')).then(() => true, () => false);
