// The OpenAI Chat Completions wire format: requests in, chat.completion and
// chat.completion.chunk out, with Rivulet's extensions (conversation_id, rag, sources).
import type { ChatTurn, Source } from '@rivulet/schemas';
import { booleanOf, filtersOf, maxTokensOf, messageOf, modelOf, temperatureOf, topKOf, MAX_HISTORY_TURNS, type ChatSubmission } from '../chat/chat-input.js';
import type { ReplyEndPayload } from '../chat/reply-router.js';
import { collectionOf, optionalId, requiredId, withoutNul } from '../documents/document-input.js';
import { invalidRequest } from '../errors.js';

export interface CompletionRequest {
  submission: ChatSubmission;
  stream: boolean;
  includeUsage: boolean;
}

/** `content` as a string or as OpenAI content parts (only text parts are accepted). */
const contentOf = (value: unknown, index: number): string => {
  if (typeof value === 'string') return withoutNul(value, `messages[${index}].content`);
  if (Array.isArray(value)) {
    return value.map((part: unknown, partIndex) => {
      const fields = (typeof part === 'object' && part !== null ? part : {}) as Record<string, unknown>;
      if (fields.type !== 'text' || typeof fields.text !== 'string') {
        throw invalidRequest(`"messages[${index}].content[${partIndex}]" must be a text part {"type":"text","text":"…"}; images and audio are not supported.`);
      }
      return withoutNul(fields.text, `messages[${index}].content[${partIndex}].text`);
    }).join('');
  }
  throw invalidRequest(`"messages[${index}].content" must be a string or an array of text parts.`);
};

const ROLES = new Set(['system', 'developer', 'user', 'assistant']);

/** OpenAI's `user`: an id of the end user (at most 128 characters, like every id); empty is absent. */
const userOf = (value: unknown): string | null => (value === undefined || value === null || value === '' ? null : requiredId(value, 'user'));

export const completionRequestOf = (body: Record<string, unknown>): CompletionRequest => {
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw invalidRequest('"messages" must be a non-empty array of {"role","content"}.');
  if (body.messages.length > MAX_HISTORY_TURNS) throw invalidRequest(`"messages" may have at most ${MAX_HISTORY_TURNS} entries.`);
  const turns: ChatTurn[] = body.messages.map((item: unknown, index) => {
    const fields = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof fields.role !== 'string' || !ROLES.has(fields.role)) throw invalidRequest(`"messages[${index}].role" must be one of system, developer, user, assistant.`);
    return { role: fields.role === 'developer' ? 'system' : fields.role, content: contentOf(fields.content, index) };
  });
  const last = turns.at(-1)!;
  if (last.role !== 'user') throw invalidRequest('The last entry of "messages" must be the user\'s question (role "user").');
  const rag = body.rag;
  let ragFields: Record<string, unknown> = {};
  if (rag !== undefined && rag !== null && rag !== false) {
    if (typeof rag !== 'object' || Array.isArray(rag)) throw invalidRequest('"rag" must be false or an object {"collection", "top_k", "filters"}.');
    ragFields = rag as Record<string, unknown>;
  }
  const streamOptions = (typeof body.stream_options === 'object' && body.stream_options !== null ? body.stream_options : {}) as Record<string, unknown>;
  return {
    stream: booleanOf(body.stream, 'stream', false),
    includeUsage: streamOptions.include_usage === true,
    submission: {
      kind: 'chat',
      message: messageOf(last.content, `messages[${turns.length - 1}].content`),
      conversationId: optionalId(body.conversation_id, 'conversation_id'),
      clientRequestId: null,
      userId: userOf(body.user),
      model: modelOf(body.model),
      rag: rag !== false,
      collection: collectionOf(ragFields.collection),
      topK: topKOf(ragFields.top_k, 'rag.top_k'),
      filters: filtersOf(ragFields.filters, 'rag.filters'),
      history: turns.slice(0, -1).filter(({ role }) => role !== 'system'),
      temperature: temperatureOf(body.temperature),
      maxOutputTokens: maxTokensOf(body.max_completion_tokens ?? body.max_tokens, body.max_completion_tokens === undefined ? 'max_tokens' : 'max_completion_tokens'),
    },
  };
};

const finishReason = (payload: ReplyEndPayload): string => (payload.finishReason === 'length' ? 'length' : 'stop');

const usageOf = (payload: ReplyEndPayload) => ({
  prompt_tokens: payload.usage.inputTokens,
  completion_tokens: payload.usage.outputTokens,
  total_tokens: payload.usage.inputTokens + payload.usage.outputTokens,
});

export const completionId = (requestId: string): string => `chatcmpl-${requestId}`;

export const completionObject = (requestId: string, created: number, payload: ReplyEndPayload) => ({
  id: completionId(requestId),
  object: 'chat.completion',
  created,
  model: payload.model,
  choices: [{ index: 0, message: { role: 'assistant', content: payload.content, refusal: null }, logprobs: null, finish_reason: finishReason(payload) }],
  usage: usageOf(payload),
  conversation_id: payload.conversationId,
  sources: payload.sources,
  provider: payload.provider,
  served_by: payload.servedBy,
});

export const chunkObject = (
  requestId: string, created: number, model: string,
  delta: { role?: 'assistant'; content?: string }, extra: { finish_reason?: string; sources?: Source[]; conversation_id?: string } = {},
) => ({
  id: completionId(requestId),
  object: 'chat.completion.chunk',
  created,
  model,
  choices: [{ index: 0, delta, logprobs: null, finish_reason: extra.finish_reason ?? null }],
  ...(extra.sources === undefined ? {} : { sources: extra.sources }),
  ...(extra.conversation_id === undefined ? {} : { conversation_id: extra.conversation_id }),
});

export const finalChunk = (requestId: string, created: number, payload: ReplyEndPayload) =>
  chunkObject(requestId, created, payload.model, {}, { finish_reason: finishReason(payload), sources: payload.sources, conversation_id: payload.conversationId });

export const usageChunk = (requestId: string, created: number, payload: ReplyEndPayload) => ({
  id: completionId(requestId), object: 'chat.completion.chunk', created, model: payload.model, choices: [], usage: usageOf(payload),
});
