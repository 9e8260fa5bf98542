import { join } from 'node:path';
import {
  baseVariables, booleanFlag, defineConfig, duration, integer, oneOf, optionalSetting, setting, sharedVariables, text, url, withKafkaConsumer,
} from '@rivulet/config';

/** Where `rivulet infra up` puts the default model, under RIVULET_HOME. */
export const DEFAULT_MODEL_FOLDER = join('models', 'all-minilm-l6-v2');

export const embeddingConfigSchema = withKafkaConsumer(
  defineConfig({
    ...baseVariables({ processName: 'embedding' }),
    EMBEDDING_PROVIDER: setting(oneOf(['onnx', 'openai-compatible'] as const), 'onnx', 'Where embeddings come from: `onnx` (the local model, in-process) or `openai-compatible` (an /embeddings HTTP API).'),
    EMBEDDING_MODEL_DIR: sharedVariables.EMBEDDING_MODEL_DIR,
    EMBEDDING_MODEL_VARIANT: setting(oneOf(['int8', 'fp32'] as const), 'int8', 'Which ONNX file of the local model: `int8` (quantised, default) or `fp32`.'),
    EMBEDDING_THREADS: setting(integer({ min: 1, max: 64 }), '2', 'onnxruntime intra-op threads of the local model (idle spinning is off).'),
    EMBEDDING_BATCH_SIZE: setting(integer({ min: 1, max: 1024 }), '32', 'Texts per model call at most; the worker batches across events and partitions.'),
    EMBEDDING_BATCH_WAIT: setting(duration(), '5ms', 'How long the first text of a batch waits for more before the model runs.'),
    EMBEDDING_MODEL_REFRESH: setting(duration(), '5s', 'How often the worker reads the active index version and, when a re-index switched it to another model, loads that model and embeds with it from then on (`rivulet reindex`); `0s`: never (the configured model stays). The configured model is used while the active version names none.'),
    EMBEDDING_CACHE_TTL: setting(duration(), '7d', 'How long an embedding stays in the Redis cache (keyed by model id, model version and content hash).'),
    EMBEDDING_CACHE_ENABLED: setting(booleanFlag(), 'true', 'Use the Redis embedding cache.'),
    EMBEDDING_OPENAI_BASE_URL: optionalSetting(url({ protocols: ['http:', 'https:'] }), 'Base URL of the OpenAI-compatible embeddings API (with `openai-compatible`), e.g. https://api.openai.com/v1.'),
    EMBEDDING_OPENAI_API_KEY: optionalSetting(text(), 'API key of the OpenAI-compatible embeddings API.', { secret: true }),
    EMBEDDING_OPENAI_MODEL: optionalSetting(text(), 'Model name sent to the OpenAI-compatible embeddings API, e.g. text-embedding-3-small.'),
    EMBEDDING_OPENAI_DIMENSION: optionalSetting(integer({ min: 1, max: 2000 }), 'Vector dimension the OpenAI-compatible model returns (e.g. 1536).'),
  }),
);
