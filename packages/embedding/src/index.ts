/**
 * @rivulet/embedding: the embedding model port (CONVENTIONS.md rule 8) and its adapters:
 * all-MiniLM-L6-v2 run in-process by onnxruntime on the CPU, and any OpenAI-compatible
 * embeddings API. Workers code against `EmbeddingModel`; `main.ts` picks the adapter.
 */
export type { EmbeddingModel, TokenizedText, Tokenizer } from './embedding-model.js';
export { EmbeddingError } from './embedding-error.js';
export type { EmbeddingErrorCode } from './embedding-error.js';
export { loadOnnxEmbeddingModel } from './onnx-embedding-model.js';
export type { OnnxEmbeddingModelOptions } from './onnx-embedding-model.js';
export type { OnnxVariant } from './model-files.js';
export { loadWordPieceTokenizer } from './word-piece-tokenizer.js';
export { createOpenAiCompatibleEmbeddingModel } from './openai-compatible-model.js';
export type { OpenAiCompatibleEmbeddingOptions } from './openai-compatible-model.js';
export { cosineSimilarity } from './vectors.js';
export { readModelSettings, type ModelSettings } from './model-files.js';
export { loadThreadedOnnxEmbeddingModel } from './model-thread.js';
export {
  parseModelName, parseModelSpec, modelSpecName, loadModelFromSpec, probeModel, PROBE_TEXT, API_KEY_ENV_PATTERN, MODEL_CATALOG, LOCAL_MODEL,
  type ModelSpec, type ModelNameOptions, type ModelSpecEnvironment,
} from './model-spec.js';
