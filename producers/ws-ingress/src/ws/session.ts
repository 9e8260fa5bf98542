// One WebSocket connection: authentication, then frames in, dispatched to the chat and document
// parts, and frames out; on close, what the socket held is let go.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { CLOSE_CODES, type ParsedFrame } from '@rivulet/protocol';
import type { Logger } from '@rivulet/observability';
import type { ApiKeyPrincipal, ApiKeyStore } from '../auth.js';
import type { ChatService } from '../chat/chat-service.js';
import type { DocumentService } from '../documents/document-service.js';
import { invalidRequest } from '../errors.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { IngressMetrics } from '../metrics.js';
import type { StatusRouter } from '../status/status-router.js';
import { createChatFrames, type ChatFrames } from './chat-frames.js';
import { createDocumentFrames, type DocumentFrames } from './document-frames.js';
import { FrameError, parseFrame } from './frames.js';
import { authenticateSession } from './session-auth.js';
import { createSessionOutput, type SessionOutput } from './session-output.js';

/** Close codes this server uses besides the standard ones. */
export const CLOSE_UNAUTHORIZED = CLOSE_CODES.unauthorized;
/** RFC 6455 1013 "try again later": the client stopped reading and its unsent frames piled up. */
export const CLOSE_SLOW_CONSUMER = CLOSE_CODES.slowConsumer;
/** The API key already has WS_MAX_SOCKETS_PER_KEY sockets open on this instance. */
export const CLOSE_TOO_MANY_SOCKETS = CLOSE_CODES.tooManySockets;

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

interface SessionParts {
  output: SessionOutput;
  chats: ChatFrames;
  documents: DocumentFrames;
  ingressMetrics: IngressMetrics;
  rateLimiter: RateLimiter | undefined;
}

const RATE_LIMITED_TYPES = new Set<ParsedFrame['type']>(['chat', 'ingest', 'delete_document']);

const toBuffer = (data: RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

/** Routes one parsed frame to the part that answers it; `claimed` is the chat id taken for a `chat`. */
const dispatch = async (parts: SessionParts, who: ApiKeyPrincipal, frame: ParsedFrame, claimed: string | undefined, requestId: string): Promise<void> => {
  switch (frame.type) {
    case 'ping':
      return parts.output.send({ type: 'pong' });
    case 'auth':
      throw invalidRequest('This socket is already authenticated.');
    case 'chat':
      return await parts.chats.start(who, frame, claimed ?? parts.chats.claim(frame));
    case 'cancel':
      return await parts.chats.cancel(frame);
    case 'ingest':
      return await parts.documents.ingest(who, frame, requestId);
    case 'delete_document':
      return await parts.documents.remove(who, frame, requestId);
  }
};

/** Answers one frame of an authenticated socket; every failure becomes an `error` frame. */
const handleFrame = async (parts: SessionParts, who: ApiKeyPrincipal, data: Buffer, isBinary: boolean): Promise<void> => {
  const requestId = randomUUID();
  let frame: ParsedFrame | undefined;
  let claimed: string | undefined;
  try {
    if (isBinary) throw invalidRequest('Binary frames are not accepted; send text frames with one JSON object each.');
    frame = parseFrame(data.toString('utf8'));
    parts.ingressMetrics.frames.inc({ type: frame.type });
    if (frame.type === 'chat') claimed = parts.chats.claim(frame);
    if (RATE_LIMITED_TYPES.has(frame.type)) await parts.rateLimiter?.admit(who, 'websocket');
    await dispatch(parts, who, frame, claimed, requestId);
  } catch (error) {
    // Refused before it was submitted (rate limit): the id is free again.
    if (claimed !== undefined) parts.chats.releaseUnsubmitted(claimed);
    if (frame === undefined) parts.ingressMetrics.frames.inc({ type: 'invalid' });
    parts.output.sendError(error instanceof FrameError ? error.frameId : frame?.id, error, requestId);
  }
};

/** Serves one upgraded connection until it closes. Nothing in here may throw out of an event handler. */
export const runSession = (socket: WebSocket, request: IncomingMessage, options: SessionOptions): void => {
  const { ingressMetrics, router } = options;
  const sessionId = randomUUID();
  const log = options.logger.child({ component: 'websocket', sessionId });
  const output = createSessionOutput(socket, { maxBufferedBytes: options.maxBufferedBytes, log, ingressMetrics });
  const authentication = authenticateSession(socket, request, { ...options, sessionId, log, send: output.send });
  const parts: SessionParts = {
    output,
    chats: createChatFrames({ chat: options.chat, send: output.send, log }),
    documents: createDocumentFrames({ documents: options.documents, router, target: output.statusTarget, send: output.send }),
    ingressMetrics,
    rateLimiter: options.rateLimiter,
  };

  socket.on('message', (data, isBinary) => {
    const bytes = toBuffer(data);
    const principal = authentication.principal;
    if (principal === undefined) return authentication.authenticateWith(bytes, isBinary);
    void principal
      .then((who) => (who && socket.readyState === WebSocket.OPEN ? handleFrame(parts, who, bytes, isBinary) : undefined))
      .catch((error: unknown) => log.error({ error }, 'frame handling crashed'));
  });
  socket.on('error', (error) => log.debug({ error: error.message }, 'socket error'));
  socket.once('close', (code) => {
    authentication.stop();
    router.forget(output.statusTarget);
    parts.chats.abandonAll();
    ingressMetrics.webSockets.dec();
    log.debug({ code }, 'socket closed');
  });
  ingressMetrics.webSockets.inc();
};
