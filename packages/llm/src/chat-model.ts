// The ChatModel port: what the generation worker needs from any model, local or remote.
// Providers (local llama.cpp, OpenAI, Anthropic, OpenAI-compatible endpoints) implement it;
// the worker never imports a provider SDK.

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

export interface ChatGenerationRequest {
  /** The whole prompt, oldest first; the last message is the user's question. */
  readonly messages: readonly ChatMessage[];
  /** Upper bound on generated tokens; the provider's or model's default when absent. */
  readonly maxOutputTokens?: number | undefined;
  readonly temperature?: number | undefined;
  /** Aborting stops the upstream call (the HTTP connection is closed, local decoding stops). */
  readonly signal: AbortSignal;
  /**
   * Whose request it is (the tenant id). A model that makes requests wait for a turn (the local
   * model, a deployment with `maxConcurrent`) serves waiting tenants in turn rather than in arrival
   * order. Absent: one shared queue.
   */
  readonly tenant?: string | undefined;
}

export interface ChatUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** `stop`: the model finished; `length`: the output token limit cut it. */
export type FinishReason = 'stop' | 'length';

export type ChatStreamEvent =
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'end'; readonly finishReason: FinishReason; readonly usage: ChatUsage };

export interface ChatModel {
  /** `local`, `openai`, `anthropic`, `openai-compatible`. */
  readonly provider: string;
  /** The model name the provider is asked for (reported in `done.model`). */
  readonly model: string;
  /**
   * Streams the answer: zero or more `delta` events, then exactly one `end`.
   * Failures are thrown as ProviderError (after any deltas already yielded); an aborted
   * signal makes the iterator throw an AbortError-named error promptly.
   */
  stream(request: ChatGenerationRequest): AsyncIterable<ChatStreamEvent>;
  /** Tokens of `text` as this model counts them (an estimate is acceptable for remote models). */
  countTokens(text: string): number;
  /** The model's context window in tokens (prompt + output). */
  readonly contextTokens: number;
  /** The most prompt tokens one request may have (the local model's CHAT_LOCAL_MAX_PROMPT_TOKENS); absent: the context window is the only bound. */
  readonly maxPromptTokens?: number | undefined;
  close(): Promise<void>;
}
