import { join } from 'node:path';
import { createOpenAiCompatibleEmbeddingModel, LOCAL_MODEL, loadThreadedOnnxEmbeddingModel, type EmbeddingModel, type ModelSpecEnvironment } from '@rivulet/embedding';
import { DEFAULT_MODEL_FOLDER } from './config.js';

export interface ModelSettings {
  RIVULET_HOME: string;
  EMBEDDING_PROVIDER: 'onnx' | 'openai-compatible';
  EMBEDDING_MODEL_DIR?: string | undefined;
  EMBEDDING_MODEL_VARIANT: 'int8' | 'fp32';
  EMBEDDING_THREADS: number;
  EMBEDDING_OPENAI_BASE_URL?: string | undefined;
  EMBEDDING_OPENAI_API_KEY?: string | undefined;
  EMBEDDING_OPENAI_MODEL?: string | undefined;
  EMBEDDING_OPENAI_DIMENSION?: number | undefined;
}

/** The configured embedding model, local or remote, behind the one port. */
export const loadConfiguredModel = async (settings: ModelSettings): Promise<EmbeddingModel> => {
  if (settings.EMBEDDING_PROVIDER === 'openai-compatible') {
    const missing = (['EMBEDDING_OPENAI_BASE_URL', 'EMBEDDING_OPENAI_MODEL', 'EMBEDDING_OPENAI_DIMENSION'] as const).filter((name) => settings[name] === undefined);
    if (missing.length > 0) throw new Error(`EMBEDDING_PROVIDER=openai-compatible needs ${missing.join(', ')}`);
    return createOpenAiCompatibleEmbeddingModel({
      baseURL: settings.EMBEDDING_OPENAI_BASE_URL!, model: settings.EMBEDDING_OPENAI_MODEL!, dimension: settings.EMBEDDING_OPENAI_DIMENSION!,
      ...(settings.EMBEDDING_OPENAI_API_KEY ? { apiKey: settings.EMBEDDING_OPENAI_API_KEY } : {}),
    });
  }
  // In a thread of its own, so the model never stops this process's Kafka I/O and heartbeats.
  return loadThreadedOnnxEmbeddingModel({
    modelDirectory: settings.EMBEDDING_MODEL_DIR ?? join(settings.RIVULET_HOME, DEFAULT_MODEL_FOLDER),
    variant: settings.EMBEDDING_MODEL_VARIANT,
    intraOpThreads: settings.EMBEDDING_THREADS,
    interOpThreads: 1,
  });
};

/**
 * How this worker builds the model of an index version's spec (a re-index): the local model from
 * EMBEDDING_MODEL_DIR (or RIVULET_HOME's folder of that name), in a thread, with EMBEDDING_THREADS;
 * a remote one with the key of the variable the spec names, read from this process's environment.
 */
export const modelSpecEnvironment = (settings: ModelSettings, env: NodeJS.ProcessEnv): ModelSpecEnvironment => ({
  localModelDirectory: (model) => (model === LOCAL_MODEL && settings.EMBEDDING_MODEL_DIR) || join(settings.RIVULET_HOME, 'models', model),
  intraOpThreads: settings.EMBEDDING_THREADS,
  secret: (name) => env[name],
});
