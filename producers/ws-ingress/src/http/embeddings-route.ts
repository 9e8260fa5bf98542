// POST /v1/embeddings: the input checked against its limits, then embedded in batches, one batch
// at a time, so one request never holds more of the model's memory than one batch needs and a
// client that leaves stops the work at the next batch.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { withoutNul } from '../documents/document-input.js';
import { IngressError } from '../errors.js';
import { parseJsonObject, readBody, sendJson } from './http-io.js';
import type { GuardedRequest, RouteGuard } from './route-guard.js';

/** The embedding model behind POST /v1/embeddings. */
export interface TextEmbedder {
  readonly modelId: string;
  /** Longest input the model reads, special tokens included. */
  readonly maxTokens: number;
  /** One model run: the caller keeps `texts` to a batch. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  countTokens(text: string): number;
}

export interface EmbeddingsRouteOptions {
  /** Authenticates the route and counts it against the key's rate. */
  guard: RouteGuard;
  embedder: () => Promise<TextEmbedder>;
  /** Texts per model run (INGRESS_EMBEDDINGS_BATCH_SIZE). */
  batchSize: number;
  /** Tokens of all inputs of one request together, at most (INGRESS_EMBEDDINGS_MAX_TOKENS). */
  maxRequestTokens: number;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
export const MAX_EMBEDDING_INPUTS = 256;
export const MAX_EMBEDDING_INPUT_CHARACTERS = 32_000;
/** Tokenizing runs on the event loop: it yields after this much, so /health and other requests are not held up. */
const TOKENIZE_SLICE_MS = 10;

const invalid = (message: string) => new IngressError('invalid_request', message);

/** The input as strings, or a 400 naming the limit it breaks. */
const inputsOf = (input: unknown): string[] => {
  const inputs = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalid('"input" must be a non-empty string or a non-empty array of strings (token arrays are not accepted).');
  if (inputs.length > MAX_EMBEDDING_INPUTS) throw invalid(`"input" has ${inputs.length} strings; at most ${MAX_EMBEDDING_INPUTS} are accepted per request.`);
  inputs.forEach((item: unknown, index) => {
    if (typeof item !== 'string' || item.length === 0) throw invalid(`"input[${index}]" must be a non-empty string (token arrays are not accepted).`);
    if (item.length > MAX_EMBEDDING_INPUT_CHARACTERS) throw invalid(`"input[${index}]" is ${item.length} characters; at most ${MAX_EMBEDDING_INPUT_CHARACTERS} are accepted.`);
    withoutNul(item, typeof input === 'string' ? 'input' : `input[${index}]`);
  });
  return inputs as string[];
};

/**
 * Tokens per input, counted on the event loop in slices of TOKENIZE_SLICE_MS; refuses the first
 * input over the model's length and stops counting as soon as the request is over its total.
 */
const countTokens = async (model: TextEmbedder, texts: readonly string[], maxRequestTokens: number): Promise<number[]> => {
  const counts: number[] = [];
  let total = 0;
  let sliceStarted = performance.now();
  for (const [index, text] of texts.entries()) {
    const count = model.countTokens(text);
    if (count > model.maxTokens) throw invalid(`"input[${index}]" is ${count} tokens (special tokens included); ${model.modelId} reads at most ${model.maxTokens}. Split it into smaller pieces.`);
    total += count;
    if (total > maxRequestTokens) {
      throw new IngressError('payload_too_large', `"input" is over ${maxRequestTokens} tokens in total (the first ${index + 1} strings already make ${total}); at most ${maxRequestTokens} tokens are accepted per request: send the rest in another request.`);
    }
    counts.push(count);
    if (performance.now() - sliceStarted >= TOKENIZE_SLICE_MS) {
      await yieldToEventLoop();
      sliceStarted = performance.now();
    }
  }
  return counts;
};

/** Runs `texts` through the model `batchSize` at a time; stops before the next batch once `signal` aborts. */
const embedInBatches = async (model: TextEmbedder, texts: readonly string[], batchSize: number, signal: AbortSignal): Promise<Float32Array[] | undefined> => {
  const vectors: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += batchSize) {
    if (signal.aborted) return undefined;
    vectors.push(...await model.embed(texts.slice(start, start + batchSize)));
  }
  return signal.aborted ? undefined : vectors;
};

export const createEmbeddingsRoute = ({ guard, embedder, batchSize, maxRequestTokens }: EmbeddingsRouteOptions) =>
  guard({ counted: true }, async ({ request, response }: GuardedRequest): Promise<void> => {
    const body = parseJsonObject(await readBody(request, response, MAX_BODY_BYTES));
    const texts = inputsOf(body.input);
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') throw invalid('"encoding_format" must be "float" or "base64".');
    // The client leaving (closing the connection before the answer) stops the batches.
    const client = new AbortController();
    response.once('close', () => client.abort());
    const model = await embedder();
    const tokens = (await countTokens(model, texts, maxRequestTokens)).reduce((sum, count) => sum + count, 0);
    const vectors = await embedInBatches(model, texts, batchSize, client.signal);
    if (vectors === undefined) return;
    sendJson(response, 200, {
      object: 'list',
      data: vectors.map((vector, index) => ({
        object: 'embedding', index,
        embedding: format === 'base64' ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64') : Array.from(vector),
      })),
      model: model.modelId,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });

export type EmbeddingsRoute = ReturnType<typeof createEmbeddingsRoute>;
