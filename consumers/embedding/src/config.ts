import { join } from 'node:path';
import { baseVariables, booleanFlag, defineConfig, duration, integer, oneOf, text, url, variable, withKafkaConsumer, sharedVariables } from '@rivulet/config';

/** Where `rivulet infra up` puts the default model, under RIVULET_HOME. */
export const DEFAULT_MODEL_FOLDER = join('models', 'all-minilm-l6-v2');

export const embeddingConfigSchema = withKafkaConsumer(
  defineConfig({
    ...baseVariables({ processName: 'embedding' }),
    EMBEDDING_PROVIDER: variable({
      description: 'Where embeddings come from: `onnx` (the local model, in-process) or `openai-compatible` (an /embeddings HTTP API).',
      schema: oneOf(['onnx', 'openai-compatible'] as const), default: 'onnx',
    }),
    EMBEDDING_MODEL_DIR: sharedVariables.EMBEDDING_MODEL_DIR,
    EMBEDDING_MODEL_VARIANT: variable({
      description: 'Which ONNX file of the local model: `int8` (quantised, default) or `fp32`.',
      schema: oneOf(['int8', 'fp32'] as const), default: 'int8',
    }),
    EMBEDDING_THREADS: variable({
      description: 'onnxruntime intra-op threads of the local model (idle spinning is off).',
      schema: integer({ min: 1, max: 64 }), default: '2',
    }),
    EMBEDDING_BATCH_SIZE: variable({
      description: 'Texts per model call at most; the worker batches across events and partitions.',
      schema: integer({ min: 1, max: 1024 }), default: '32',
    }),
    EMBEDDING_BATCH_WAIT: variable({
      description: 'How long the first text of a batch waits for more before the model runs.',
      schema: duration(), default: '5ms',
    }),
    EMBEDDING_MODEL_REFRESH: variable({
      description: 'How often the worker reads the active index version and, when a re-index switched it to another model, loads that model and embeds with it from then on (`rivulet reindex`); `0s`: never (the configured model stays). The configured model is used while the active version names none.',
      schema: duration(), default: '5s',
    }),
    EMBEDDING_CACHE_TTL: variable({
      description: 'How long an embedding stays in the Redis cache (keyed by model id, model version and content hash).',
      schema: duration(), default: '7d',
    }),
    EMBEDDING_CACHE_ENABLED: variable({
      description: 'Use the Redis embedding cache.',
      schema: booleanFlag(), default: 'true',
    }),
    EMBEDDING_OPENAI_BASE_URL: variable({
      description: 'Base URL of the OpenAI-compatible embeddings API (with `openai-compatible`), e.g. https://api.openai.com/v1.',
      schema: url({ protocols: ['http:', 'https:'] }), optional: true,
    }),
    EMBEDDING_OPENAI_API_KEY: variable({
      description: 'API key of the OpenAI-compatible embeddings API.',
      schema: text(), optional: true, secret: true,
    }),
    EMBEDDING_OPENAI_MODEL: variable({
      description: 'Model name sent to the OpenAI-compatible embeddings API, e.g. text-embedding-3-small.',
      schema: text(), optional: true,
    }),
    EMBEDDING_OPENAI_DIMENSION: variable({
      description: 'Vector dimension the OpenAI-compatible model returns (e.g. 1536).',
      schema: integer({ min: 1, max: 2000 }), optional: true,
    }),
  }),
);
