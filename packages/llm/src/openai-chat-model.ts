import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { ChatModel } from './chat-model.js';
import { remoteChatModel } from './remote-chat-model.js';
import { checkRemoteOptions } from './remote-stream.js';

export interface OpenAIChatModelOptions {
  /** Sent as a bearer token. Required for `openai`; local OpenAI-compatible servers often need none. */
  apiKey?: string | undefined;
  /** Up to and including the version, e.g. http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:11434/v1 (Ollama). Default https://api.openai.com/v1. */
  baseURL?: string | undefined;
  /** The model name sent as `model` (gpt-4o-mini, or what the compatible server serves). */
  model: string;
  /** `openai` (default) sends `max_completion_tokens`; `openai-compatible` sends `max_tokens`, which older servers read. */
  provider?: 'openai' | 'openai-compatible';
  /** The model's context window in tokens (prompt + output). */
  contextTokens: number;
  /** Injected for tests and proxies (default: the global fetch). */
  fetch?: typeof fetch | undefined;
  /** No output text within this long after sending: abort the request, throw ProviderError `timeout` (retryable). */
  firstTokenTimeoutMs: number;
  /** No chunk for this long once text flows: the same. */
  idleTimeoutMs: number;
}

/**
 * A ChatModel on the Chat Completions API with streaming, for OpenAI and any OpenAI-compatible
 * server. Asks for usage in the stream (`stream_options.include_usage`); a server that leaves
 * it out gets an estimate. No retries here: the consumer runtime decides (CONVENTIONS.md rule 5).
 */
export const createOpenAIChatModel = ({
  apiKey,
  baseURL = 'https://api.openai.com/v1',
  model,
  provider = 'openai',
  contextTokens,
  fetch: fetchFunction,
  firstTokenTimeoutMs,
  idleTimeoutMs,
}: OpenAIChatModelOptions): ChatModel => {
  checkRemoteOptions('createOpenAIChatModel', { model, contextTokens, firstTokenTimeoutMs, idleTimeoutMs, baseURL });
  if (provider === 'openai' && !apiKey) throw new TypeError('createOpenAIChatModel: apiKey is required for provider openai');
  // Every option the SDK would otherwise read from process.env is given (rule 2: libraries never read it).
  // Without a key no Authorization header is sent (the SDK insists on a key, so it gets a placeholder it never sends).
  const client = new OpenAI({
    apiKey: apiKey || 'none',
    ...(apiKey ? {} : { defaultHeaders: { Authorization: null } }),
    baseURL,
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: 0,
    logLevel: 'off',
    ...(fetchFunction ? { fetch: fetchFunction } : {}),
  });
  return remoteChatModel<ChatCompletionChunk>({ provider, model, contextTokens, firstTokenTimeoutMs, idleTimeoutMs }, (request) => {
    const limit = request.maxOutputTokens === undefined ? {} : provider === 'openai' ? { max_completion_tokens: request.maxOutputTokens } : { max_tokens: request.maxOutputTokens };
    const body: ChatCompletionCreateParamsStreaming = {
      model,
      messages: request.messages.map(({ role, content }) => ({ role, content })),
      stream: true,
      stream_options: { include_usage: true },
      ...limit,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    };
    return {
      open: (signal) => client.chat.completions.create(body, { signal }),
      read: (chunk, state) => {
        if (chunk.usage) {
          state.inputTokens = chunk.usage.prompt_tokens;
          state.outputTokens = chunk.usage.completion_tokens;
        }
        const choice = chunk.choices[0];
        if (choice?.finish_reason) state.finishReason = choice.finish_reason === 'length' ? 'length' : 'stop';
        return choice?.delta?.content ?? undefined;
      },
      toFailure: (error) => {
        if (!(error instanceof APIError)) return undefined;
        const { status, headers, type, message } = error as APIError;
        return { status, headers, errorType: type ?? undefined, message, timedOut: error instanceof APIConnectionTimeoutError };
      },
    };
  });
};
