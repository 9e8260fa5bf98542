// POST /v1/chat/completions with "stream": true: the answer as OpenAI chunks over server-sent events.
import type { ServerResponse } from 'node:http';
import type { ApiKeyPrincipal } from '../auth.js';
import type { ChatService } from '../chat/chat-service.js';
import type { ReplyListener } from '../chat/reply-router.js';
import { errorBody, IngressError, retryAfterSeconds } from '../errors.js';
import { sendJson } from './http-io.js';
import { chunkObject, finalChunk, usageChunk, type CompletionRequest } from './openai-format.js';
import { httpError } from './chat-answer.js';

export interface CompletionStreamOptions {
  chat: ChatService;
  principal: ApiKeyPrincipal;
  request: CompletionRequest;
  response: ServerResponse;
  /** Seconds since the epoch, the chunks' `created`. */
  created: number;
  /** A client with more unsent bytes than this is disconnected (it stopped reading). */
  maxBufferedBytes: number;
}

/** Writes `data:` events while the client keeps reading; `begin` sends the headers and the role chunk once. */
const sseWriter = ({ response, maxBufferedBytes }: CompletionStreamOptions, firstChunk: () => unknown) => {
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
    write(firstChunk());
  };
  return { write, begin, isOpen: () => open };
};

/** Resolves once the stream ended: `[DONE]`, an error before the first byte, or the client gone. */
export const streamCompletion = (options: CompletionStreamOptions): Promise<void> => {
  const { chat, principal, request: { submission, includeUsage }, response, created } = options;
  let requestId = '';
  const chunk = (delta: Parameters<typeof chunkObject>[3]) => chunkObject(requestId, created, submission.model, delta);
  const { write, begin, isOpen } = sseWriter(options, () => chunk({ role: 'assistant', content: '' }));
  let streamed = false;
  return new Promise<void>((resolve) => {
    const end = (): void => {
      if (!response.destroyed) response.end('data: [DONE]\n\n');
      resolve();
    };
    const listener: ReplyListener = {
      sources: () => begin(),
      delta: (content) => {
        begin();
        streamed = true;
        write(chunk({ content }));
      },
      failover: (marker) => {
        begin();
        // An extension chunk: no choices, so OpenAI clients skip it; Rivulet clients read `rivulet_failover`.
        write({ ...chunk({}), choices: [], rivulet_failover: marker });
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
        if (!isOpen()) {
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
};
