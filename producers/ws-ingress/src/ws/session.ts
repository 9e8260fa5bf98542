// One WebSocket connection: authentication, then frames in and frames out.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import type { Logger } from '@rivulet/observability';
import { bearerToken, type ApiKeyPrincipal, type ApiKeyStore } from '../auth.js';
import { chatFrameSubmission } from '../chat/chat-input.js';
import type { ChatService } from '../chat/chat-service.js';
import type { ReplyListener } from '../chat/reply-router.js';
import type { DocumentService } from '../documents/document-service.js';
import { errorBody, IngressError, invalidRequest, toIngressError } from '../errors.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { IngressMetrics } from '../metrics.js';
import type { StatusRouter, StatusTarget } from '../status/status-router.js';
import { deleteTarget, FrameError, frameIdOf, ingestSubmission, parseFrame, type ClientFrame } from './frames.js';

/** How many ended chat ids a socket remembers, to ignore late cancels of them. */
const MAX_REMEMBERED_CHATS = 1000;

/** Close codes this server uses besides the standard ones. */
export const CLOSE_UNAUTHORIZED = 4401;
/** RFC 6455 1013 "try again later": the client stopped reading and its unsent frames piled up. */
export const CLOSE_SLOW_CONSUMER = 1013;
/** The API key already has WS_MAX_SOCKETS_PER_KEY sockets open on this instance. */
export const CLOSE_TOO_MANY_SOCKETS = 4429;

export interface SessionOptions {
  auth: ApiKeyStore;
  documents: DocumentService;
  chat: ChatService;
  router: StatusRouter;
  /** WS_AUTH_TIMEOUT. */
  authTimeoutMs: number;
  /** A socket with more unsent bytes than this is closed rather than buffered further. */
  maxBufferedBytes: number;
  logger: Logger;
  ingressMetrics: IngressMetrics;
  /** Counts chat, ingest and delete_document frames against the key's rate; none = unlimited. */
  rateLimiter?: RateLimiter;
  /**
   * Told which key a socket authenticated with (so a revocation can close it); answers false when
   * the key has no socket left (WS_MAX_SOCKETS_PER_KEY), and the socket is closed with 4429.
   */
  onAuthenticated?: (socket: WebSocket, principal: ApiKeyPrincipal) => boolean;
}

const toBuffer = (data: RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

const withFrameIdOf = <T>(frameId: string, check: () => T): T => {
  try {
    return check();
  } catch (error) {
    throw withFrameIdError(frameId, error);
  }
};

const withFrameIdError = (frameId: string, error: unknown): unknown =>
  error instanceof IngressError && error.code === 'invalid_request' ? new FrameError(frameId, error.message) : error;

/** Serves one upgraded connection until it closes. Nothing in here may throw out of an event handler. */
export const runSession = (socket: WebSocket, request: IncomingMessage, options: SessionOptions): void => {
  const { auth, documents, chat, router, authTimeoutMs, maxBufferedBytes, ingressMetrics, rateLimiter } = options;
  const sessionId = randomUUID();
  const log = options.logger.child({ component: 'websocket', sessionId });

  const send = (frame: object): void => {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > maxBufferedBytes) {
      log.warn({ bufferedAmount: socket.bufferedAmount }, 'client is not reading its frames; closing');
      socket.close(CLOSE_SLOW_CONSUMER, 'too much unsent data: read your frames');
      return;
    }
    socket.send(JSON.stringify(frame), (error) => {
      if (error) log.debug({ error: error.message }, 'frame not sent');
    });
  };
  const sendError = (frameId: string | undefined, error: unknown, requestId: string): void => {
    const ingressError = toIngressError(error, requestId);
    if (ingressError.code === 'internal') log.error({ requestId, error }, 'frame failed');
    send({ type: 'error', ...(frameId === undefined ? {} : { id: frameId }), ...errorBody(ingressError) });
  };
  const target: StatusTarget = {
    send: (frame) => {
      const before = socket.readyState;
      send(frame);
      ingressMetrics.statusPushes.inc({ outcome: before === WebSocket.OPEN && socket.readyState === WebSocket.OPEN ? 'sent' : 'dropped' });
    },
  };

  // Authentication: the upgrade's Authorization header, or else the first frame within the timeout.
  const refuse = (reason: string): void => {
    if (socket.readyState === WebSocket.OPEN) socket.close(CLOSE_UNAUTHORIZED, reason);
  };
  const admit = async (token: string | undefined): Promise<ApiKeyPrincipal | undefined> => {
    clearTimeout(authTimer);
    if (token === undefined) {
      refuse('unauthorized: authenticate with {"type":"auth","token":"<api-key>"}');
      return undefined;
    }
    try {
      const principal = await auth.lookup(token);
      if (!principal) refuse('unauthorized: unknown or revoked API key');
      else if (socket.readyState !== WebSocket.OPEN) return undefined;
      else if (options.onAuthenticated?.(socket, principal) === false) {
        socket.close(CLOSE_TOO_MANY_SOCKETS, 'too many open sockets for this API key; close one and connect again');
        return undefined;
      } else send({ type: 'ready', sessionId, tenant: principal.tenantId });
      return principal;
    } catch (error) {
      log.error({ error }, 'API key lookup failed');
      if (socket.readyState === WebSocket.OPEN) socket.close(1011, 'API keys cannot be checked right now; reconnect shortly');
      return undefined;
    }
  };
  const tokenOfFirstFrame = (data: Buffer, isBinary: boolean): string | undefined => {
    if (isBinary) return undefined;
    try {
      const frame = parseFrame(data.toString('utf8'));
      return frame.type === 'auth' && typeof frame.body.token === 'string' ? frame.body.token : undefined;
    } catch {
      return undefined;
    }
  };
  let authTimer: NodeJS.Timeout | undefined;
  let principal: Promise<ApiKeyPrincipal | undefined> | undefined;
  const header = request.headers.authorization;
  if (header !== undefined) principal = admit(bearerToken(header));
  else authTimer = setTimeout(() => refuse(`unauthorized: no auth frame within ${authTimeoutMs}ms`), authTimeoutMs);

  const ingest = async (who: ApiKeyPrincipal, frame: ClientFrame, requestId: string): Promise<void> => {
    const frameId = frameIdOf(frame);
    const prepared = documents.prepareUpsert(who, ingestSubmission(frame), requestId);
    const watch = router.watch(target, frameId, prepared.reference, 'upsert', prepared.version);
    try {
      await documents.upsert(prepared);
    } catch (error) {
      watch.cancel();
      throw error;
    }
    send({ type: 'ingest_status', id: frameId, documentId: prepared.reference.documentId, status: 'accepted' });
    watch.open();
  };

  const remove = async (who: ApiKeyPrincipal, frame: ClientFrame, requestId: string): Promise<void> => {
    const frameId = frameIdOf(frame);
    const { documentId, collection } = deleteTarget(frame);
    const reference = { tenantId: who.tenantId, collection, documentId };
    const watch = router.watch(target, frameId, reference, 'delete', null);
    try {
      await documents.remove(who, reference, requestId);
    } catch (error) {
      watch.cancel();
      throw error;
    }
    send({ type: 'ingest_status', id: frameId, documentId, status: 'accepted' });
    watch.open();
  };

  // Chats in flight on this socket: client frame id -> server request id.
  const chats = new Map<string, string>();
  // Ids of chats that already ended (the most recent ones): a late cancel of one is ignored, so a
  // chat id never gets a second terminal frame.
  const ended = new Set<string>();
  // Cancels that came while their chat was still being admitted or submitted: applied once it is accepted.
  const pendingCancels = new Set<string>();

  /**
   * Takes a chat id for this socket before anything is awaited (rate limit, submit), so a duplicate
   * is refused whatever else would fail, and a cancel right behind the chat finds it.
   */
  const claimChat = (frame: ClientFrame): string => {
    const frameId = frameIdOf(frame);
    // No id on this error: an error with the id would be a second terminal frame for the chat still answering.
    if (chats.has(frameId)) throw new FrameError(undefined, `A chat with id ${JSON.stringify(frameId)} is still answering on this socket; use a new id for each chat.`);
    chats.set(frameId, '');
    ended.delete(frameId);
    return frameId;
  };
  const releaseClaim = (frameId: string): void => {
    chats.delete(frameId);
    pendingCancels.delete(frameId);
  };

  const startChat = async (who: ApiKeyPrincipal, frame: ClientFrame, frameId: string): Promise<void> => {
    const submission = withFrameIdOf(frameId, () => chatFrameSubmission(frame.body, frameId));
    let seq = 0;
    const finish = (): void => {
      pendingCancels.delete(frameId);
      chats.delete(frameId);
      ended.add(frameId);
      if (ended.size > MAX_REMEMBERED_CHATS) ended.delete(ended.values().next().value!);
    };
    const listener: ReplyListener = {
      sources: (sources) => send({ type: 'sources', id: frameId, sources }),
      delta: (content) => send({ type: 'delta', id: frameId, seq: seq++, content }),
      failover: (marker) => send({ type: 'failover', id: frameId, ...marker }),
      reset: () => send({ type: 'reset', id: frameId, reason: 'A worker failed while answering; the answer is being generated again. Discard the text received so far.' }),
      done: (payload) => {
        finish();
        send({
          type: 'done', id: frameId, conversationId: payload.conversationId, messageId: payload.messageId, content: payload.content,
          model: payload.model, provider: payload.provider, servedBy: payload.servedBy, usage: payload.usage, latencyMs: payload.latencyMs,
          ...(payload.costUsd === null ? {} : { costUsd: payload.costUsd }), finishReason: payload.finishReason,
        });
      },
      error: (error) => {
        finish();
        send({ type: 'error', id: frameId, ...error });
      },
    };
    let accepted;
    try {
      accepted = await chat.submit(who, submission, listener);
    } catch (error) {
      releaseClaim(frameId);
      throw error instanceof FrameError ? error : withFrameIdError(frameId, error);
    }
    if (chats.has(frameId)) chats.set(frameId, accepted.requestId);
    send({ type: 'ack', id: frameId, requestId: accepted.requestId, conversationId: accepted.conversationId });
    accepted.open();
    if (pendingCancels.delete(frameId)) {
      // The answer ends with its `cancelled` error, the chat's one terminal frame.
      void chat.cancel(accepted.requestId).catch((error: unknown) => log.warn({ error, requestId: accepted.requestId }, 'a cancel sent before its chat was accepted could not be delivered'));
    }
  };

  const cancelChat = async (frame: ClientFrame): Promise<void> => {
    const frameId = frameIdOf(frame);
    if (ended.has(frameId)) return;
    const requestId = chats.get(frameId);
    if (requestId === '') {
      pendingCancels.add(frameId);
      return;
    }
    if (requestId === undefined || !(await chat.cancel(requestId))) {
      throw new FrameError(frameId, `No chat with id "${frameId}" is answering on this socket; nothing to cancel.`);
    }
  };

  const handleFrame = async (who: ApiKeyPrincipal, data: Buffer, isBinary: boolean): Promise<void> => {
    const requestId = randomUUID();
    let frame: ClientFrame | undefined;
    let claimed: string | undefined;
    try {
      if (isBinary) throw invalidRequest('Binary frames are not accepted; send text frames with one JSON object each.');
      frame = parseFrame(data.toString('utf8'));
      ingressMetrics.frames.inc({ type: frame.type });
      if (frame.type === 'chat') claimed = claimChat(frame);
      if (frame.type === 'chat' || frame.type === 'ingest' || frame.type === 'delete_document') await rateLimiter?.admit(who, 'websocket');
      switch (frame.type) {
        case 'ping':
          return send({ type: 'pong' });
        case 'auth':
          throw invalidRequest('This socket is already authenticated.');
        case 'chat':
          return await startChat(who, frame, claimed ?? claimChat(frame));
        case 'cancel':
          return await cancelChat(frame);
        case 'ingest':
          return await ingest(who, frame, requestId);
        case 'delete_document':
          return await remove(who, frame, requestId);
      }
    } catch (error) {
      // Refused before it was submitted (rate limit): the id is free again.
      if (claimed !== undefined && chats.get(claimed) === '') releaseClaim(claimed);
      if (frame === undefined) ingressMetrics.frames.inc({ type: 'invalid' });
      sendError(error instanceof FrameError ? error.frameId : frame?.id, error, requestId);
    }
  };

  socket.on('message', (data, isBinary) => {
    const bytes = toBuffer(data);
    if (principal === undefined) {
      principal = admit(tokenOfFirstFrame(bytes, isBinary));
      return;
    }
    void principal
      .then((who) => (who && socket.readyState === WebSocket.OPEN ? handleFrame(who, bytes, isBinary) : undefined))
      .catch((error: unknown) => log.error({ error }, 'frame handling crashed'));
  });
  socket.on('error', (error) => log.debug({ error: error.message }, 'socket error'));
  socket.once('close', (code) => {
    clearTimeout(authTimer);
    router.forget(target);
    // The answers still complete and are stored; nobody is here to read them.
    for (const requestId of chats.values()) if (requestId !== '') chat.abandon(requestId);
    ingressMetrics.webSockets.dec();
    log.debug({ code }, 'socket closed');
  });
  ingressMetrics.webSockets.inc();
};
