import Anthropic, { APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import type { ChatModel } from './chat-model.js';
import { remoteChatModel } from './remote-chat-model.js';
import { checkRemoteOptions } from './remote-stream.js';

export interface AnthropicChatModelOptions {
  /** Sent as `x-api-key`. */
  apiKey: string;
  /** Without the version path, e.g. https://api.anthropic.com (the default); the SDK adds /v1/messages. */
  baseURL?: string | undefined;
  /** The model name sent as `model`, e.g. claude-haiku-4-5. */
  model: string;
  /** The model's context window in tokens (prompt + output). */
  contextTokens: number;
  /** Injected for tests and proxies (default: the global fetch). */
  fetch?: typeof fetch | undefined;
  /** No output text within this long after sending: abort the request, throw ProviderError `timeout` (retryable). */
  firstTokenTimeoutMs: number;
  /** No event for this long once text flows: the same. */
  idleTimeoutMs: number;
  /** `max_tokens` when the request gives no maxOutputTokens (the Messages API requires one). Default 1024. */
  defaultMaxOutputTokens?: number;
}

type StreamEvent = Anthropic.Messages.RawMessageStreamEvent;

/**
 * A ChatModel on the Anthropic Messages API with streaming. System messages are joined into
 * the top-level `system` parameter; usage comes from message_start (input, cache reads and
 * writes included) and message_delta (output). No retries here (CONVENTIONS.md rule 5).
 */
export const createAnthropicChatModel = ({
  apiKey,
  baseURL = 'https://api.anthropic.com',
  model,
  contextTokens,
  fetch: fetchFunction,
  firstTokenTimeoutMs,
  idleTimeoutMs,
  defaultMaxOutputTokens = 1024,
}: AnthropicChatModelOptions): ChatModel => {
  checkRemoteOptions('createAnthropicChatModel', { model, contextTokens, firstTokenTimeoutMs, idleTimeoutMs, baseURL });
  if (!apiKey) throw new TypeError('createAnthropicChatModel: apiKey is required');
  // A key given in code means the SDK reads no credential from the environment; baseURL and webhookKey are given too.
  const client = new Anthropic({ apiKey, baseURL, webhookKey: null, maxRetries: 0, logLevel: 'off', ...(fetchFunction ? { fetch: fetchFunction } : {}) });
  return remoteChatModel<StreamEvent>({ provider: 'anthropic', model, contextTokens, firstTokenTimeoutMs, idleTimeoutMs }, (request) => {
    const system = request.messages.filter((message) => message.role === 'system').map((message) => message.content).join('\n\n');
    const body: Anthropic.Messages.MessageCreateParamsStreaming = {
      model,
      max_tokens: request.maxOutputTokens ?? defaultMaxOutputTokens,
      ...(system ? { system } : {}),
      messages: request.messages.flatMap(({ role, content }) => (role === 'system' ? [] : [{ role, content }])),
      stream: true,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    };
    return {
      open: (signal) => client.messages.create(body, { signal }),
      read: (event, state) => {
        switch (event.type) {
          case 'message_start': {
            const usage = event.message.usage as Anthropic.Messages.Usage | undefined;
            if (usage) state.inputTokens = usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
            return undefined;
          }
          case 'content_block_delta':
            return event.delta.type === 'text_delta' ? event.delta.text : undefined;
          case 'message_delta': {
            // output_tokens here is cumulative for the whole message.
            const usage = event.usage as Anthropic.Messages.MessageDeltaUsage | undefined;
            if (usage) state.outputTokens = usage.output_tokens;
            if (event.delta.stop_reason) state.finishReason = event.delta.stop_reason === 'max_tokens' || event.delta.stop_reason === 'model_context_window_exceeded' ? 'length' : 'stop';
            return undefined;
          }
          default:
            return undefined;
        }
      },
      toFailure: (error) => {
        if (!(error instanceof APIError)) return undefined;
        const { status, headers, type, apiMessage, message } = error as APIError;
        return { status, headers, errorType: type ?? undefined, message: apiMessage ?? message, timedOut: error instanceof APIConnectionTimeoutError };
      },
    };
  });
};
