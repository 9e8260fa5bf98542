// What a fake provider answers, and how: shared by the OpenAI and the Anthropic fakes.

/** One chat request as a fake saw it, the same shape for both wire formats. */
export interface FakeChatRequest {
  readonly model: string;
  /** Every message in order, text parts joined; Anthropic's `system` parameter comes first as role `system`. */
  readonly messages: readonly { readonly role: string; readonly text: string }[];
  /** `max_tokens` (Anthropic, OpenAI-compatible) or `max_completion_tokens` (OpenAI), when sent. */
  readonly maxTokens: number | undefined;
  readonly stream: boolean;
  /** The parsed JSON body as sent. */
  readonly body: Record<string, unknown>;
}

/** An HTTP failure in the provider's own error body shape. */
export interface FakeFailure {
  readonly status: number;
  /** `error.message` of the body (default: a message like the provider's for that status). */
  readonly message?: string;
  /** Sent as the `Retry-After` header, in whole seconds. */
  readonly retryAfterSeconds?: number;
  /** Sent as the `retry-after-ms` header (OpenAI sends it beside Retry-After; the Anthropic fake ignores it). */
  readonly retryAfterMs?: number;
}

/** An error event inside a 200 stream, as providers send when they fail mid-answer. */
export interface FakeStreamError {
  /** Tokens sent before the error event (0: right after the stream opened). */
  readonly afterTokens: number;
  /** `error.type` (default: Anthropic `overloaded_error`, OpenAI `server_error`). */
  readonly type?: string;
  /** `error.message` (default: the provider's usual text for that type). */
  readonly message?: string;
}

/**
 * A fake's scripted behaviour. Set at start and replaced at run time with `setBehaviour`.
 * A token is one word with the whitespace before it, so joining the tokens gives the reply back.
 */
export interface FakeBehaviour {
  /** The reply, or a function of the request (e.g. echo the question, to prove what the prompt held). Default 'Hello from the fake model.' */
  readonly reply?: string | ((request: FakeChatRequest) => string);
  /** Exactly this many tokens: the reply's words are cycled or cut to this count. */
  readonly tokens?: number;
  /** Wait before each token (default 0). */
  readonly tokenDelayMs?: number;
  /** Wait after the response headers, before the first token (default 0). */
  readonly firstTokenDelayMs?: number;
  /** Answer with this HTTP error instead of a completion. */
  readonly fail?: FakeFailure;
  /** After this many tokens, send nothing more and keep the connection open until the client closes it. */
  readonly stallAfterTokens?: number;
  /** After this many tokens (flushed, plus 25 ms for the client to read them), destroy the socket: the client sees a cut connection. */
  readonly dropAfterTokens?: number;
  /** Leave usage out of the stream (OpenAI: no usage chunk even when asked with stream_options). */
  readonly omitUsage?: boolean;
  /**
   * Streaming only: after `afterTokens` tokens, send the provider's in-stream error event
   * (Anthropic `event: error` with `overloaded_error`; OpenAI `data: {"error": ...}`) and end the response.
   */
  readonly streamError?: FakeStreamError;
  /**
   * Streaming only: after this many tokens, end the response cleanly at the HTTP level but without
   * the end of the answer (no finish_reason and `[DONE]`; no message_delta and message_stop): a truncated stream.
   */
  readonly truncateAfterTokens?: number;
}

export const defaultReply = 'Hello from the fake model.';

/** Words with the whitespace before each: the fakes' tokenizer, also used to count prompt tokens. */
export const splitTokens = (text: string): string[] => text.match(/\s*\S+/g) ?? [];

/** The tokens of the answer and why it ends: `length` when the request's token limit cut it. */
export const planReply = (behaviour: FakeBehaviour, request: FakeChatRequest): { tokens: string[]; finish: 'stop' | 'length' } => {
  const { reply = defaultReply, tokens: count } = behaviour;
  let tokens = splitTokens(typeof reply === 'function' ? reply(request) : reply);
  if (count !== undefined) {
    const words = tokens.length > 0 ? tokens.map((token) => token.trim()) : ['token'];
    tokens = Array.from({ length: count }, (_, index) => `${index === 0 ? '' : ' '}${words[index % words.length]}`);
  }
  if (request.maxTokens !== undefined && tokens.length > request.maxTokens) return { tokens: tokens.slice(0, request.maxTokens), finish: 'length' };
  return { tokens, finish: 'stop' };
};

/** Prompt tokens as the fakes count them (words of every message). */
export const countPromptTokens = (request: FakeChatRequest): number =>
  request.messages.reduce((sum, message) => sum + splitTokens(message.text).length, 0);

/** The text of an OpenAI or Anthropic message `content`: a string, or an array of parts of which `text` ones count. */
export const contentText = (content: unknown): string => {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .join('');
};
