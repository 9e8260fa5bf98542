import { EmbeddingError, type EmbeddingErrorCode } from './embedding-error.js';
import type { EmbeddingModel } from './embedding-model.js';
import { normaliseInPlace } from './vectors.js';

export interface OpenAiCompatibleEmbeddingOptions {
  /** Up to and including the version, e.g. 'https://api.openai.com/v1'; requests go to `${baseURL}/embeddings`. */
  baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>`; omitted when undefined (local servers). */
  apiKey?: string;
  /** The provider's model name, sent as `model`; also this port's `id`. */
  model: string;
  /** Length every returned vector must have; a different one is refused as 'invalid_response'. */
  dimension: number;
  /** The provider's input limit in its own tokens (default 8191, OpenAI's). The server enforces it; its refusal becomes 'input_too_long'. */
  maxTokens?: number;
  /** Per request, covering the whole body (default 30 000). */
  timeoutMs?: number;
  /** Injected for tests and proxies (default: the global fetch). */
  fetch?: typeof fetch;
  /**
   * Told, after each successful request, the tokens the provider says it counted
   * (`usage.prompt_tokens`; undefined when the answer has none): what the request is billed for.
   */
  onUsage?: (usage: { promptTokens: number | undefined; texts: number }) => void;
}

interface EmbeddingsResponse {
  data?: unknown;
  usage?: { prompt_tokens?: unknown };
}

const promptTokensOf = (body: EmbeddingsResponse): number | undefined => {
  const tokens = body.usage?.prompt_tokens;
  return typeof tokens === 'number' && Number.isInteger(tokens) && tokens >= 0 ? tokens : undefined;
};

const fail = (code: EmbeddingErrorCode, message: string, extra: { retriable?: boolean; status?: number; cause?: unknown } = {}) =>
  new EmbeddingError({ code, message, ...extra });

/** What an HTTP error status means for the caller. */
const statusError = (status: number, detail: string, prefix: string): EmbeddingError => {
  const message = `${prefix}: HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 429) return fail('rate_limited', message, { retriable: true, status });
  if (status === 408) return fail('timeout', message, { retriable: true, status });
  if (status === 401 || status === 403) return fail('unauthorized', message, { status });
  if (status >= 500) return fail('server_error', message, { retriable: true, status });
  // OpenAI answers 400 with code context_length_exceeded (or a "maximum context length" message).
  if (/context_length_exceeded|maximum context length|too many tokens/i.test(detail)) return fail('input_too_long', message, { status });
  return fail('bad_request', message, { status });
};

/** The error message a provider put in its body ({ error: { message, code } } for OpenAI), cut short. */
const errorDetail = async (response: Response): Promise<string> => {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; code?: unknown } | string };
    if (typeof body.error === 'string') return body.error.slice(0, 500);
    const parts = [body.error?.code, body.error?.message].filter((part) => typeof part === 'string');
    if (parts.length > 0) return parts.join(': ').slice(0, 500);
  } catch {
    // Not JSON: the raw text says more than nothing.
  }
  return text.slice(0, 200);
};

/** Reads only `data[].embedding` and `data[].index`, placing each vector by its index. */
const parseVectors = (body: EmbeddingsResponse, count: number, dimension: number, prefix: string): Float32Array[] => {
  const invalid = (why: string) => fail('invalid_response', `${prefix}: ${why}`);
  if (!Array.isArray(body.data)) throw invalid('the body has no data array');
  if (body.data.length !== count) throw invalid(`${body.data.length} embeddings for ${count} inputs`);
  const vectors: Float32Array[] = new Array<Float32Array>(count);
  for (const item of body.data as { embedding?: unknown; index?: unknown }[]) {
    const { index, embedding } = item ?? {};
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count || vectors[index] !== undefined) {
      throw invalid(`bad or repeated index ${JSON.stringify(index)}`);
    }
    if (!Array.isArray(embedding) || embedding.length !== dimension || !embedding.every((value) => typeof value === 'number' && Number.isFinite(value))) {
      throw invalid(`embedding ${index} is not ${dimension} finite numbers`);
    }
    const vector = Float32Array.from(embedding as number[]);
    if (!normaliseInPlace(vector)) throw invalid(`embedding ${index} is all zeros`);
    vectors[index] = vector;
  }
  return vectors;
};

/**
 * An embedding model behind an OpenAI-compatible HTTP API (OpenAI, Azure's v1 endpoint,
 * vLLM, Ollama, LiteLLM, text-embeddings-inference): POST `${baseURL}/embeddings` with
 * `{ model, input: string[] }`. One request per `embed` call, no retries (the consumer runtime decides).
 */
export const createOpenAiCompatibleEmbeddingModel = ({
  baseURL,
  apiKey,
  model,
  dimension,
  maxTokens = 8191,
  timeoutMs = 30_000,
  fetch: fetchFunction = globalThis.fetch,
  onUsage,
}: OpenAiCompatibleEmbeddingOptions): EmbeddingModel => {
  let url: URL;
  try {
    url = new URL(`${baseURL.replace(/\/+$/, '')}/embeddings`);
  } catch (error) {
    throw fail('invalid_options', `createOpenAiCompatibleEmbeddingModel: baseURL ${JSON.stringify(baseURL)} is not a URL`, { cause: error });
  }
  if (!model) throw fail('invalid_options', 'createOpenAiCompatibleEmbeddingModel: model is required');
  for (const [name, value] of [['dimension', dimension], ['maxTokens', maxTokens], ['timeoutMs', timeoutMs]] as const) {
    if (!Number.isInteger(value) || value < 1) throw fail('invalid_options', `createOpenAiCompatibleEmbeddingModel: ${name} must be a positive whole number, got ${value}`);
  }
  const prefix = `${model} at ${url.host}`;
  let closed = false;

  const request = async (texts: readonly string[], signal: AbortSignal | undefined): Promise<Response> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return await fetchFunction(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ model, input: texts }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw fail('aborted', `${prefix}: aborted`, { cause: error });
      if (timeout.aborted) throw fail('timeout', `${prefix}: no answer within ${timeoutMs} ms`, { retriable: true, cause: error });
      throw fail('network', `${prefix}: ${(error as Error).message}${(error as Error).cause ? ` (${String((error as { cause: unknown }).cause)})` : ''}`, { retriable: true, cause: error });
    }
  };

  return {
    id: model,
    version: `openai-compatible:${url.host}`,
    dimension,
    maxTokens,
    tokenizer: undefined,
    embed: async (texts, { signal } = {}) => {
      if (closed) throw fail('closed', `${prefix}: embed after close`);
      if (signal?.aborted) throw fail('aborted', `${prefix}: aborted`, { cause: signal.reason });
      if (texts.length === 0) return [];
      const response = await request(texts, signal);
      if (!response.ok) throw statusError(response.status, await errorDetail(response), prefix);
      let body: EmbeddingsResponse;
      try {
        body = (await response.json()) as EmbeddingsResponse;
      } catch (error) {
        if (signal?.aborted) throw fail('aborted', `${prefix}: aborted`, { cause: error });
        const timedOut = (error as Error).name === 'TimeoutError';
        throw timedOut
          ? fail('timeout', `${prefix}: body not complete within ${timeoutMs} ms`, { retriable: true, cause: error })
          : fail('invalid_response', `${prefix}: the body is not JSON`, { cause: error });
      }
      const vectors = parseVectors(body ?? {}, texts.length, dimension, prefix);
      onUsage?.({ promptTokens: promptTokensOf(body), texts: texts.length });
      return vectors;
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
};
