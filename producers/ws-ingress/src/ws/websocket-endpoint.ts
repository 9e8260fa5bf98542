// GET /v1/ws: the upgrade, the frame size limit, liveness pings and closing at shutdown.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '@rivulet/observability';
import { CLOSE_UNAUTHORIZED, runSession, type SessionOptions } from './session.js';

export const WEBSOCKET_PATH = '/v1/ws';

export interface WebSocketEndpointOptions extends Omit<SessionOptions, 'maxBufferedBytes'> {
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

const rejectUpgrade = (socket: Duplex, status: number, reason: string, code: string, message: string): void => {
  const body = JSON.stringify({ error: { code, message, retryable: status === 503 } });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
};

export const createWebSocketEndpoint = (options: WebSocketEndpointOptions): WebSocketEndpoint => {
  const { maxFrameBytes, isAccepting, heartbeatIntervalMs = 30_000, logger } = options;
  const maxBufferedBytes = options.maxBufferedBytes ?? Math.max(4 * maxFrameBytes, 4 * 1024 * 1024);
  const log = logger.child({ component: 'websocket' });
  // noServer: the HTTP server owns the port; perMessageDeflate off, so maxPayload bounds memory as written.
  const server = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false, clientTracking: true });
  const alive = new WeakMap<WebSocket, boolean>();
  const keyOf = new WeakMap<WebSocket, string>();

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
    server.handleUpgrade(request, socket, head, (client) => {
      alive.set(client, true);
      client.on('pong', () => alive.set(client, true));
      runSession(client, request, { ...options, maxBufferedBytes, onAuthenticated: (socket, principal) => keyOf.set(socket, principal.keyId) });
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
