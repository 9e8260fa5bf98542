// GET /v1/ws: the upgrade, the frame size limit, liveness pings and closing at shutdown.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { ErrorBody, ErrorCode } from '@rivulet/protocol';
import type { Logger } from '@rivulet/observability';
import { isOriginAllowed, parseAllowedOrigins, type OriginPolicy } from './origin-policy.js';
import { CLOSE_UNAUTHORIZED, runSession, type SessionOptions } from './session.js';

export const WEBSOCKET_PATH = '/v1/ws';

export interface WebSocketEndpointOptions extends Omit<SessionOptions, 'maxBufferedBytes' | 'onAuthenticated'> {
  /** WS_ALLOWED_ORIGINS: an upgrade from another browser origin gets 403. Default `self`. */
  allowedOrigins?: OriginPolicy;
  /** WS_MAX_SOCKETS_PER_KEY: authenticated sockets one key may hold on this instance. Default 100. */
  maxSocketsPerKey?: number;
  /** WS_MAX_FRAME_BYTES: a larger frame closes the socket with 1009. */
  maxFrameBytes: number;
  /** Unsent bytes after which a socket is closed. Default 4 × maxFrameBytes, at least 4 MiB. */
  maxBufferedBytes?: number;
  /** False once shutdown began: new upgrades get 503. */
  isAccepting: () => boolean;
  /** Interval of protocol-level pings; a socket that missed one pong is dropped. Default 30 s. */
  heartbeatIntervalMs?: number;
  logger: Logger;
}

export interface WebSocketEndpoint {
  handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Closes every socket with 1001 (going away) and stops the heartbeat. */
  close: () => Promise<void>;
  /** Closes the sockets authenticated with a revoked key (4401); their chats still complete and are stored. Returns how many. */
  closeSessionsOfKey: (keyId: string) => number;
}

const rejectUpgrade = (socket: Duplex, status: number, reason: string, code: ErrorCode, message: string): void => {
  const error: ErrorBody = { code, message, retryable: status === 503 };
  const body = JSON.stringify({ error });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
};

export const createWebSocketEndpoint = (options: WebSocketEndpointOptions): WebSocketEndpoint => {
  const { maxFrameBytes, isAccepting, heartbeatIntervalMs = 30_000, logger } = options;
  const { allowedOrigins = parseAllowedOrigins('self'), maxSocketsPerKey = 100 } = options;
  const maxBufferedBytes = options.maxBufferedBytes ?? Math.max(4 * maxFrameBytes, 4 * 1024 * 1024);
  const log = logger.child({ component: 'websocket' });
  // noServer: the HTTP server owns the port; perMessageDeflate off, so maxPayload bounds memory as written.
  const server = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false, clientTracking: true });
  const alive = new WeakMap<WebSocket, boolean>();
  const keyOf = new WeakMap<WebSocket, string>();
  const socketsOfKey = new Map<string, number>();

  /** Takes one of the key's socket slots, given back when the socket closes; false when none is left. */
  const takeSlot = (client: WebSocket, keyId: string): boolean => {
    const open = socketsOfKey.get(keyId) ?? 0;
    if (open >= maxSocketsPerKey) return false;
    socketsOfKey.set(keyId, open + 1);
    keyOf.set(client, keyId);
    client.once('close', () => {
      const left = (socketsOfKey.get(keyId) ?? 1) - 1;
      if (left > 0) socketsOfKey.set(keyId, left);
      else socketsOfKey.delete(keyId);
    });
    return true;
  };

  const heartbeat = setInterval(() => {
    for (const client of server.clients) {
      if (alive.get(client) === false) {
        client.terminate();
        continue;
      }
      alive.set(client, false);
      client.ping();
    }
  }, heartbeatIntervalMs);
  heartbeat.unref();

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (error) => log.debug({ error: error.message }, 'upgrade socket error'));
    const path = new URL(request.url ?? '/', 'http://ingress.invalid').pathname;
    if (path !== WEBSOCKET_PATH) return rejectUpgrade(socket, 404, 'Not Found', 'not_found', `WebSocket connections go to ${WEBSOCKET_PATH}.`);
    if (!isAccepting()) return rejectUpgrade(socket, 503, 'Service Unavailable', 'internal', 'This ingress is shutting down; connect again.');
    if (!isOriginAllowed(allowedOrigins, request)) {
      return rejectUpgrade(socket, 403, 'Forbidden', 'unauthorized', 'WebSocket connections from this Origin are not allowed (WS_ALLOWED_ORIGINS); serve the page from an allowed origin.');
    }
    server.handleUpgrade(request, socket, head, (client) => {
      alive.set(client, true);
      client.on('pong', () => alive.set(client, true));
      runSession(client, request, { ...options, maxBufferedBytes, onAuthenticated: (socket, principal) => takeSlot(socket, principal.keyId) });
    });
  };

  const close = async (): Promise<void> => {
    clearInterval(heartbeat);
    const closed = [...server.clients].map((client) => new Promise<void>((resolve) => {
      if (client.readyState === WebSocket.CLOSED) return resolve();
      client.once('close', () => resolve());
      client.close(1001, 'server shutting down');
    }));
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref());
    await Promise.race([Promise.all(closed), deadline]);
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  const closeSessionsOfKey = (keyId: string): number => {
    let closed = 0;
    for (const client of server.clients) {
      if (keyOf.get(client) !== keyId || client.readyState !== WebSocket.OPEN) continue;
      client.close(CLOSE_UNAUTHORIZED, 'unauthorized: the API key was revoked');
      closed += 1;
    }
    return closed;
  };

  return { handleUpgrade, close, closeSessionsOfKey };
};
