// Authentication of one WebSocket session: the upgrade's Authorization header, or else the first
// frame (`auth`) within WS_AUTH_TIMEOUT. Bad or missing credentials close the socket with 4401.
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { CLOSE_CODES, type ServerFrame } from '@rivulet/protocol';
import type { Logger } from '@rivulet/observability';
import { bearerToken, type ApiKeyPrincipal, type ApiKeyStore } from '../auth.js';
import { parseFrame } from './frames.js';

export interface SessionAuthOptions {
  auth: ApiKeyStore;
  /** WS_AUTH_TIMEOUT. */
  authTimeoutMs: number;
  sessionId: string;
  log: Logger;
  send: (frame: ServerFrame) => void;
  /** False when the key has no socket left (WS_MAX_SOCKETS_PER_KEY): the socket is closed with 4429. */
  onAuthenticated?: (socket: WebSocket, principal: ApiKeyPrincipal) => boolean;
}

export interface SessionAuth {
  /** Who the socket is, once authentication began; undefined while the `auth` frame is awaited. */
  readonly principal: Promise<ApiKeyPrincipal | undefined> | undefined;
  /** Authenticates with the first frame received (when the upgrade had no Authorization header). */
  authenticateWith(data: Buffer, isBinary: boolean): void;
  /** The socket closed: stop waiting for an `auth` frame. */
  stop(): void;
}

const tokenOfFirstFrame = (data: Buffer, isBinary: boolean): string | undefined => {
  if (isBinary) return undefined;
  try {
    const frame = parseFrame(data.toString('utf8'));
    return frame.type === 'auth' && typeof frame.body.token === 'string' ? frame.body.token : undefined;
  } catch {
    return undefined;
  }
};

export const authenticateSession = (socket: WebSocket, request: IncomingMessage, options: SessionAuthOptions): SessionAuth => {
  const { auth, authTimeoutMs, sessionId, log, send, onAuthenticated } = options;
  const refuse = (reason: string): void => {
    if (socket.readyState === WebSocket.OPEN) socket.close(CLOSE_CODES.unauthorized, reason);
  };
  const lookup = async (token: string): Promise<ApiKeyPrincipal | undefined> => {
    try {
      const principal = await auth.lookup(token);
      if (!principal) refuse('unauthorized: unknown or revoked API key');
      else if (socket.readyState !== WebSocket.OPEN) return undefined;
      else if (onAuthenticated?.(socket, principal) === false) {
        socket.close(CLOSE_CODES.tooManySockets, 'too many open sockets for this API key; close one and connect again');
        return undefined;
      } else send({ type: 'ready', sessionId, tenant: principal.tenantId });
      return principal;
    } catch (error) {
      log.error({ error }, 'API key lookup failed');
      if (socket.readyState === WebSocket.OPEN) socket.close(1011, 'API keys cannot be checked right now; reconnect shortly');
      return undefined;
    }
  };
  let authTimer: NodeJS.Timeout | undefined;
  const admit = async (token: string | undefined): Promise<ApiKeyPrincipal | undefined> => {
    clearTimeout(authTimer);
    if (token !== undefined) return lookup(token);
    refuse('unauthorized: authenticate with {"type":"auth","token":"<api-key>"}');
    return undefined;
  };

  let principal: Promise<ApiKeyPrincipal | undefined> | undefined;
  const header = request.headers.authorization;
  if (header !== undefined) principal = admit(bearerToken(header));
  else authTimer = setTimeout(() => refuse(`unauthorized: no auth frame within ${authTimeoutMs}ms`), authTimeoutMs);

  return {
    get principal() {
      return principal;
    },
    authenticateWith: (data, isBinary) => {
      principal = admit(tokenOfFirstFrame(data, isBinary));
    },
    stop: () => clearTimeout(authTimer),
  };
};
