// The OpenAI-compatible HTTP responses the ingress produces (PROTOCOL.md §2), with Rivulet's
// extensions: `chat.completion`, the SSE `chat.completion.chunk`s of a streamed answer and its
// error chunk, the embeddings list and the search results.
import type { ErrorCode } from './error-codes.js';
import type { Source } from './frames.js';

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** `stop`, or `length` when the output token limit cut the answer. */
export type FinishReason = 'stop' | 'length';

/** The non-streaming answer of POST /v1/chat/completions. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [{ index: 0; message: { role: 'assistant'; content: string; refusal: null }; logprobs: null; finish_reason: FinishReason }];
  usage: CompletionUsage;
  conversation_id: string;
  sources: Source[];
  provider: string;
  served_by: string[];
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string;
}

/** The model router's mid-answer switch (docs/protocol.md): a chunk with no choices. */
export interface FailoverMarker {
  from: string;
  to: string;
  reason: string;
  afterOutput: boolean;
}

/**
 * One SSE `data:` line of a streamed answer. The first carries `role`, the final one
 * `finish_reason`, `sources` and `conversation_id`; with `stream_options.include_usage` a last
 * chunk with no choices carries `usage`; a failover chunk has no choices and `rivulet_failover`.
 */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: 0; delta: ChunkDelta; logprobs: null; finish_reason: FinishReason | null }[];
  sources?: Source[];
  conversation_id?: string;
  usage?: CompletionUsage;
  rivulet_failover?: FailoverMarker;
}

/** The SSE line that ends a stream which failed after it began (then `data: [DONE]`). */
export interface ChatCompletionErrorChunk {
  error: { code: ErrorCode; message: string; type: string; retryable: boolean; retryAfterMs?: number };
}

export type ChatCompletionStreamEvent = ChatCompletionChunk | ChatCompletionErrorChunk;

/** The answer of POST /v1/embeddings: `embedding` is an array, or base64 of float32s with `encoding_format: "base64"`. */
export interface EmbeddingList {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** The answer of POST /v1/search, best first. */
export interface SearchResults {
  results: Omit<Source, 'n'>[];
}
