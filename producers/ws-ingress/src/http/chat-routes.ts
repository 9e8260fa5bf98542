// POST /v1/chat/completions, POST /v1/search, GET /v1/conversations[/{id}/messages].
import { searchSubmission } from '../chat/chat-input.js';
import type { ChatService } from '../chat/chat-service.js';
import { requiredId } from '../documents/document-input.js';
import { IngressError } from '../errors.js';
import { awaitAnswer } from './chat-answer.js';
import { streamCompletion } from './completion-stream.js';
import { parseJsonObject, readBody, sendJson } from './http-io.js';
import { completionObject, completionRequestOf } from './openai-format.js';
import { decodedPathParameter, type AuthenticatedRequest, type GuardedRequest, type RouteGuard } from './route-guard.js';

/** Stored conversations, read for the API (PROTOCOL.md §2). */
export interface ConversationReader {
  list(tenantId: string, options: { limit: number }): Promise<{ id: string; title: string | null; updatedAt: string }[]>;
  /** Oldest first; undefined when the conversation is not this tenant's. */
  messages(tenantId: string, conversationId: string): Promise<{ id: string; role: string; content: string; createdAt: string; tokens: number }[] | undefined>;
}

export interface ChatRoutesOptions {
  chat: ChatService;
  /** Authenticates every route; completions and search requests are counted against the key's rate. */
  guard: RouteGuard;
  conversations: ConversationReader;
  /** A streaming client with more unsent bytes than this is disconnected (it stopped reading). */
  maxBufferedBytes: number;
}

const MAX_CHAT_BODY_BYTES = 4 * 1024 * 1024;

const conversationIdOf = (route: AuthenticatedRequest): string => requiredId(decodedPathParameter(route, 'conversation'), 'id');

export const createChatRoutes = ({ chat, guard, conversations, maxBufferedBytes }: ChatRoutesOptions) => {
  const completions = async ({ request, response, principal }: GuardedRequest): Promise<void> => {
    const completion = completionRequestOf(parseJsonObject(await readBody(request, response, MAX_CHAT_BODY_BYTES)));
    const created = Math.floor(Date.now() / 1000);
    if (completion.stream) {
      await streamCompletion({ chat, principal, request: completion, response, created, maxBufferedBytes });
      return;
    }
    const { requestId, payload } = await awaitAnswer(chat, principal, completion.submission, response);
    sendJson(response, 200, completionObject(requestId, created, payload));
  };

  const search = async ({ request, response, principal }: GuardedRequest): Promise<void> => {
    const submission = searchSubmission(parseJsonObject(await readBody(request, response, MAX_CHAT_BODY_BYTES)));
    const { payload } = await awaitAnswer(chat, principal, submission, response);
    sendJson(response, 200, {
      results: payload.sources.map(({ documentId, chunkId, title, score, snippet }) => ({ documentId, chunkId, title, score, snippet })),
    });
  };

  const listConversations = async ({ response, url, principal }: GuardedRequest): Promise<void> => {
    const limit = Math.min(200, Math.max(1, Number(url.searchParams.get('limit') ?? 50) || 50));
    sendJson(response, 200, { conversations: await conversations.list(principal.tenantId, { limit }) });
  };

  const messages = async ({ response, principal, parameters: conversationId }: GuardedRequest<string>): Promise<void> => {
    const found = await conversations.messages(principal.tenantId, conversationId);
    if (found === undefined) throw new IngressError('not_found', `No conversation "${conversationId}" for this API key's tenant.`);
    sendJson(response, 200, found);
  };

  return {
    completions: guard({ counted: true }, completions),
    search: guard({ counted: true }, search),
    listConversations: guard({ counted: false }, listConversations),
    messages: guard({ counted: false, parameters: conversationIdOf }, messages),
  };
};

export type ChatRoutes = ReturnType<typeof createChatRoutes>;
