// POST /v1/chat/completions, POST /v1/search, GET /v1/conversations[/{id}/messages].
import { authenticate, type ApiKeyStore } from '../auth.js';
import { searchSubmission } from '../chat/chat-input.js';
import { requiredId } from '../documents/document-input.js';
import type { ChatService } from '../chat/chat-service.js';
import type { ReplyEndPayload, ReplyListener } from '../chat/reply-router.js';
import { errorBody, IngressError, retryAfterSeconds, type ErrorBody } from '../errors.js';
import { admitHttp, type RateLimiter } from '../limits/rate-limiter.js';
import { chunkObject, completionObject, completionRequestOf, finalChunk, usageChunk } from './openai-format.js';
import { parseJsonObject, readBody, sendJson } from './http-io.js';
import type { RouteRequest } from './document-routes.js';

/** Stored conversations, read for the API (PROTOCOL.md §2). */
export interface ConversationReader {
  list(tenantId: string, options: { limit: number }): Promise<{ id: string; title: string | null; updatedAt: string }[]>;
  /** Oldest first; undefined when the conversation is not this tenant's. */
  messages(tenantId: string, conversationId: string): Promise<{ id: string; role: string; content: string; createdAt: string; tokens: number }[] | undefined>;
}

export interface ChatRoutesOptions {
  chat: ChatService;
  auth: ApiKeyStore;
  conversations: ConversationReader;
  /** A streaming client with more unsent bytes than this is disconnected (it stopped reading). */
  maxBufferedBytes: number;
  /** Counts completions and search requests against the key's rate; none = unlimited. */
  rateLimiter?: RateLimiter;
}

const MAX_CHAT_BODY_BYTES = 4 * 1024 * 1024;

const httpError = (error: ErrorBody): IngressError =>
  new IngressError(error.code, error.message, { retriable: error.retryable, retryAfterMs: error.retryAfterMs, ...(error.code === 'cancelled' ? { httpStatus: 499 } : {}) });

/** Waits for the terminal reply: resolves with `done`'s payload, rejects with the error. */
const collect = (): { listener: ReplyListener; result: Promise<ReplyEndPayload> } => {
  let resolve!: (payload: ReplyEndPayload) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<ReplyEndPayload>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return {
    result,
    listener: { sources: () => undefined, delta: () => undefined, reset: () => undefined, failover: () => undefined, done: resolve, error: (error) => reject(httpError(error)) },
  };
};

export const createChatRoutes = ({ chat, auth, conversations, maxBufferedBytes, rateLimiter }: ChatRoutesOptions) => {
  const completions = async ({ request, response }: RouteRequest): Promise<void> => {
    const principal = await authenticate(auth, request.headers.authorization);
    await admitHttp(rateLimiter, principal, response);
    const { submission, stream, includeUsage } = completionRequestOf(parseJsonObject(await readBody(request, response, MAX_CHAT_BODY_BYTES)));
    const created = Math.floor(Date.now() / 1000);
    if (!stream) {
      const { listener, result } = collect();
      const accepted = await chat.submit(principal, submission, listener);
      accepted.open();
      response.once('close', () => {
        // The client went away: the answer still completes and is stored; stop waiting for it.
        chat.abandon(accepted.requestId);
        listener.error({ code: 'cancelled', message: 'The client closed the connection.', retryable: false });
      });
      const payload = await result;
      sendJson(response, 200, completionObject(accepted.requestId, created, payload));
      return;
    }
    let requestId = '';
    let open = false;
    const write = (data: unknown): void => {
      if (response.destroyed) return;
      if (response.writableLength > maxBufferedBytes) {
        response.destroy(new Error('client stopped reading the stream'));
        return;
      }
      response.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    const begin = (): void => {
      if (open) return;
      open = true;
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      write(chunkObject(requestId, created, submission.model, { role: 'assistant', content: '' }));
    };
    let streamed = false;
    const finished = new Promise<void>((resolve) => {
      const end = (): void => {
        if (!response.destroyed) response.end('data: [DONE]\n\n');
        resolve();
      };
      const listener: ReplyListener = {
        sources: () => begin(),
        delta: (content) => {
          begin();
          streamed = true;
          write(chunkObject(requestId, created, submission.model, { content }));
        },
        failover: (marker) => {
          begin();
          // An extension chunk: no choices, so OpenAI clients skip it; Rivulet clients read `rivulet_failover`.
          write({ ...chunkObject(requestId, created, submission.model, {}), choices: [], rivulet_failover: marker });
        },
        reset: () => {
          // SSE cannot take text back: end this stream with a retryable error (the answer is still stored).
          if (streamed) {
            write({ error: { code: 'internal', message: 'A worker failed while answering; retry the request.', type: 'server_error', retryable: true } });
            chat.abandon(requestId);
            end();
          }
        },
        done: (payload) => {
          begin();
          write(finalChunk(requestId, created, payload));
          if (includeUsage) write(usageChunk(requestId, created, payload));
          end();
        },
        error: (error) => {
          if (!open) {
            // Nothing sent yet: a plain HTTP error is clearer than an error event.
            const failure = httpError(error);
            sendJson(response, failure.httpStatus, { error: errorBody(failure) }, failure.retryAfterMs === undefined ? {} : { 'retry-after': retryAfterSeconds(failure.retryAfterMs) });
            resolve();
            return;
          }
          write({ error: { ...error, type: error.code } });
          end();
        },
      };
      chat.submit(principal, submission, listener).then((accepted) => {
        requestId = accepted.requestId;
        response.setHeader('x-conversation-id', accepted.conversationId);
        response.once('close', () => {
          chat.abandon(accepted.requestId);
          resolve();
        });
        accepted.open();
      }, (error: unknown) => {
        if (error instanceof IngressError) listener.error({ code: error.code, message: error.message, retryable: error.retriable });
        else listener.error({ code: 'internal', message: 'The request could not be accepted; try again.', retryable: true });
      });
    });
    await finished;
  };

  const search = async ({ request, response }: RouteRequest): Promise<void> => {
    const principal = await authenticate(auth, request.headers.authorization);
    await admitHttp(rateLimiter, principal, response);
    const submission = searchSubmission(parseJsonObject(await readBody(request, response, MAX_CHAT_BODY_BYTES)));
    const { listener, result } = collect();
    const accepted = await chat.submit(principal, submission, listener);
    accepted.open();
    response.once('close', () => {
      chat.abandon(accepted.requestId);
      listener.error({ code: 'cancelled', message: 'The client closed the connection.', retryable: false });
    });
    const payload = await result;
    sendJson(response, 200, {
      results: payload.sources.map(({ documentId, chunkId, title, score, snippet }) => ({ documentId, chunkId, title, score, snippet })),
    });
  };

  const listConversations = async ({ request, response, url }: RouteRequest): Promise<void> => {
    const principal = await authenticate(auth, request.headers.authorization);
    const limit = Math.min(200, Math.max(1, Number(url.searchParams.get('limit') ?? 50) || 50));
    sendJson(response, 200, { conversations: await conversations.list(principal.tenantId, { limit }) });
  };

  const messages = async ({ request, response }: RouteRequest, encodedId: string): Promise<void> => {
    const principal = await authenticate(auth, request.headers.authorization);
    let decoded: string;
    try {
      decoded = decodeURIComponent(encodedId);
    } catch {
      throw new IngressError('invalid_request', 'The conversation id in the path is not valid percent-encoding.');
    }
    const conversationId = requiredId(decoded, 'id');
    const found = await conversations.messages(principal.tenantId, conversationId);
    if (found === undefined) throw new IngressError('not_found', `No conversation "${conversationId}" for this API key's tenant.`);
    sendJson(response, 200, found);
  };

  return { completions, search, listConversations, messages };
};

export type ChatRoutes = ReturnType<typeof createChatRoutes>;
