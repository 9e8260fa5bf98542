// A chat request answered in one HTTP response: wait for its terminal reply, or for the client to leave.
import type { ServerResponse } from 'node:http';
import type { ApiKeyPrincipal } from '../auth.js';
import type { ChatSubmission } from '../chat/chat-input.js';
import type { ChatService } from '../chat/chat-service.js';
import type { ReplyEndPayload, ReplyListener } from '../chat/reply-router.js';
import { IngressError, type ErrorBody } from '../errors.js';

/** A reply's error as the HTTP error to answer with (`cancelled` is 499). */
export const httpError = (error: ErrorBody): IngressError =>
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

/** Submits and waits for the whole answer; rejects with the reply's error as an HTTP error. */
export const awaitAnswer = async (
  chat: ChatService, principal: ApiKeyPrincipal, submission: ChatSubmission, response: ServerResponse,
): Promise<{ requestId: string; payload: ReplyEndPayload }> => {
  const { listener, result } = collect();
  const accepted = await chat.submit(principal, submission, listener);
  accepted.open();
  response.once('close', () => {
    // The client went away: the answer still completes and is stored; stop waiting for it.
    chat.abandon(accepted.requestId);
    listener.error({ code: 'cancelled', message: 'The client closed the connection.', retryable: false });
  });
  return { requestId: accepted.requestId, payload: await result };
};
