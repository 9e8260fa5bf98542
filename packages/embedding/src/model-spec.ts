// Model specs (docs/decisions/0014-reindex.md): how any process builds one embedding model, named
// by an operator (`rivulet reindex --model <name>`) and stored with its index version
// (index_versions.model_spec), so every embedding worker can load the model search switched to.
// A spec holds no file path (each machine has its own model folder) and no secret (an API key is
// named by the environment variable that holds it).
import { EmbeddingError } from './embedding-error.js';
import type { EmbeddingModel } from './embedding-model.js';
import type { OnnxVariant } from './model-files.js';
import { loadThreadedOnnxEmbeddingModel } from './model-thread.js';
import { loadOnnxEmbeddingModel } from './onnx-embedding-model.js';
import { createOpenAiCompatibleEmbeddingModel, type OpenAiCompatibleEmbeddingOptions } from './openai-compatible-model.js';

/** The local model's catalogue name: its folder under `<RIVULET_HOME>/models`. */
export const LOCAL_MODEL = 'all-minilm-l6-v2';

export type ModelSpec =
  | { provider: 'onnx'; model: typeof LOCAL_MODEL; variant: OnnxVariant }
  | {
      provider: 'openai-compatible';
      /** The provider's model name, e.g. text-embedding-3-small. */
      model: string;
      dimension: number;
      /** Up to and including the API version, e.g. https://api.openai.com/v1. */
      baseUrl: string;
      /** The environment variable that holds the API key on every machine (the key itself is never stored). */
      apiKeyEnv: string;
    };

/** The names `--model` takes. */
export const MODEL_CATALOG = [
  { name: LOCAL_MODEL, description: 'all-MiniLM-L6-v2, int8 ONNX, local (384 dimensions; the default model)' },
  { name: `${LOCAL_MODEL}:fp32`, description: 'all-MiniLM-L6-v2, fp32 ONNX, local (needs model-fp32.onnx in the model folder)' },
  { name: 'openai:<model>', description: 'any OpenAI-compatible /embeddings API (needs a dimension and a base URL)' },
] as const;

export interface ModelNameOptions {
  /** Required for `openai:<model>`: the vector length the API returns. */
  dimension?: number | undefined;
  /** Required for `openai:<model>`. */
  baseUrl?: string | undefined;
  /** For `openai:<model>`: the variable holding the key (default EMBEDDING_OPENAI_API_KEY). */
  apiKeyEnv?: string | undefined;
}

const invalid = (message: string) => new EmbeddingError({ code: 'invalid_options', message });

/**
 * An http(s) URL with no credentials, query string or fragment: a spec is stored in the database
 * and read by every worker, so it must hold no secret, and the adapter appends `/embeddings`.
 */
const checkBaseUrl = (baseUrl: string): string => {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalid(`the base URL ${JSON.stringify(baseUrl)} is not an http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`the base URL ${JSON.stringify(baseUrl)} is not an http(s) URL`);
  if (url.username !== '' || url.password !== '') throw invalid('the base URL must not carry credentials (user:password@); the key goes in the variable named by --api-key-env');
  if (url.search !== '' || baseUrl.includes('?')) throw invalid('the base URL must not have a query string');
  if (url.hash !== '' || baseUrl.includes('#')) throw invalid('the base URL must not have a fragment');
  return baseUrl.replace(/\/+$/, '');
};

/**
 * The names an API key variable may have: `*_API_KEY` in capitals. A spec names the variable
 * every worker sends as a bearer token, so it must never name another secret (DATABASE_URL, …).
 */
export const API_KEY_ENV_PATTERN = /^[A-Z][A-Z0-9_]*_API_KEY$/;

const checkApiKeyEnv = (name: unknown): string => {
  if (typeof name !== 'string' || !API_KEY_ENV_PATTERN.test(name)) {
    throw invalid(`${JSON.stringify(name)} is not an API key variable name: it must match ${String(API_KEY_ENV_PATTERN)} (e.g. EMBEDDING_OPENAI_API_KEY)`);
  }
  return name;
};

const checkDimension = (dimension: unknown): number => {
  if (typeof dimension !== 'number' || !Number.isInteger(dimension) || dimension < 1 || dimension > 2000) throw invalid(`the dimension must be a whole number from 1 to 2000, got ${String(dimension)}`);
  return dimension;
};

/** A catalogue name (`all-minilm-l6-v2`, `all-minilm-l6-v2:fp32`, `openai:<model>`) to its spec; `unknown_model` otherwise. */
export const parseModelName = (name: string, { dimension, baseUrl, apiKeyEnv = 'EMBEDDING_OPENAI_API_KEY' }: ModelNameOptions = {}): ModelSpec => {
  const trimmed = name.trim();
  if (trimmed === LOCAL_MODEL || trimmed === `${LOCAL_MODEL}:int8`) return { provider: 'onnx', model: LOCAL_MODEL, variant: 'int8' };
  if (trimmed === `${LOCAL_MODEL}:fp32`) return { provider: 'onnx', model: LOCAL_MODEL, variant: 'fp32' };
  if (trimmed.startsWith('openai:') && trimmed.length > 'openai:'.length) {
    if (dimension === undefined) throw invalid(`${trimmed} needs its vector dimension (--dimension)`);
    if (baseUrl === undefined || baseUrl === '') throw invalid(`${trimmed} needs the API's base URL (--base-url or EMBEDDING_OPENAI_BASE_URL)`);
    return { provider: 'openai-compatible', model: trimmed.slice('openai:'.length), dimension: checkDimension(dimension), baseUrl: checkBaseUrl(baseUrl), apiKeyEnv: checkApiKeyEnv(apiKeyEnv) };
  }
  throw new EmbeddingError({ code: 'unknown_model', message: `unknown model ${JSON.stringify(name)}; known: ${MODEL_CATALOG.map((entry) => entry.name).join(', ')}` });
};

/** The catalogue name of a spec (what `--model` took). */
export const modelSpecName = (spec: ModelSpec): string =>
  spec.provider === 'onnx' ? (spec.variant === 'int8' ? spec.model : `${spec.model}:${spec.variant}`) : `openai:${spec.model}`;

/** A spec read back from the database, checked field by field. */
export const parseModelSpec = (value: unknown): ModelSpec => {
  const spec = (value ?? {}) as Record<string, unknown>;
  if (spec.provider === 'onnx' && spec.model === LOCAL_MODEL && (spec.variant === 'int8' || spec.variant === 'fp32')) return { provider: 'onnx', model: LOCAL_MODEL, variant: spec.variant };
  if (spec.provider === 'openai-compatible' && typeof spec.model === 'string' && spec.model !== '' && typeof spec.baseUrl === 'string' && typeof spec.apiKeyEnv === 'string') {
    return { provider: 'openai-compatible', model: spec.model, dimension: checkDimension(spec.dimension), baseUrl: checkBaseUrl(spec.baseUrl), apiKeyEnv: checkApiKeyEnv(spec.apiKeyEnv) };
  }
  throw invalid(`not a model spec: ${JSON.stringify(value)}`);
};

/** Where and how this process builds a spec's model. */
export interface ModelSpecEnvironment {
  /** The folder of a local model by its catalogue name (e.g. `<RIVULET_HOME>/models/all-minilm-l6-v2`). */
  localModelDirectory: (model: string) => string;
  /** onnxruntime intra-op threads (default 1). */
  intraOpThreads?: number;
  /** In a worker thread of its own (default true), so a batch never stops the event loop. */
  threaded?: boolean;
  /** The value of an environment variable a spec names (its API key); read by the caller's main. */
  secret: (name: string) => string | undefined;
  /** For remote models: the tokens each request was billed for. */
  onUsage?: OpenAiCompatibleEmbeddingOptions['onUsage'];
}

/**
 * Builds the model a spec describes. A remote model whose key variable is unset or empty here is
 * refused (`missing_api_key`): its requests would go out without Authorization and fail one by one.
 * Loading a remote model contacts nobody: use probeModel before putting it to work.
 */
export const loadModelFromSpec = async (spec: ModelSpec, environment: ModelSpecEnvironment): Promise<EmbeddingModel> => {
  if (spec.provider === 'openai-compatible') {
    const apiKey = environment.secret(checkApiKeyEnv(spec.apiKeyEnv));
    if (apiKey === undefined || apiKey.trim() === '') {
      throw new EmbeddingError({ code: 'missing_api_key', message: `${spec.apiKeyEnv} is not set (or empty) in this process: openai:${spec.model} needs its API key there` });
    }
    return createOpenAiCompatibleEmbeddingModel({
      baseURL: spec.baseUrl, model: spec.model, dimension: spec.dimension, apiKey,
      ...(environment.onUsage ? { onUsage: environment.onUsage } : {}),
    });
  }
  const options = { modelDirectory: environment.localModelDirectory(spec.model), variant: spec.variant, intraOpThreads: environment.intraOpThreads ?? 1, interOpThreads: 1 };
  return environment.threaded === false ? loadOnnxEmbeddingModel(options) : loadThreadedOnnxEmbeddingModel(options);
};

/** The text a model embeds before it is put to work (probeModel). */
export const PROBE_TEXT = 'rivulet model probe';

/**
 * Embeds one short text with a freshly loaded model and checks that one vector of `dimension`
 * finite numbers comes back: a remote model's key, URL and model name are only tried here.
 * Throws EmbeddingError `probe_failed` (its cause: the model's own error, e.g. `unauthorized`).
 */
export const probeModel = async (model: EmbeddingModel, { dimension = model.dimension, signal }: { dimension?: number; signal?: AbortSignal } = {}): Promise<void> => {
  let vectors: Float32Array[];
  try {
    vectors = await model.embed([PROBE_TEXT], signal ? { signal } : undefined);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    throw new EmbeddingError({ code: 'probe_failed', message: `${model.id} (${model.version}) failed its probe (${code}): ${(error as Error).message}`, cause: error, retriable: (error as { retriable?: boolean }).retriable === true });
  }
  const vector = vectors[0];
  if (vectors.length !== 1 || vector === undefined || vector.length !== dimension || !vector.every(Number.isFinite)) {
    throw new EmbeddingError({ code: 'probe_failed', message: `${model.id} (${model.version}) answered its probe with ${vectors.length} vector(s) of length ${vector?.length ?? 0}, expected one of ${dimension}` });
  }
};
