// The ingress's HTTP server: routes, ops endpoints on the same port, and the WebSocket upgrade.
import { randomUUID } from 'node:crypto';
import { createServer, maxHeaderSize, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { runReadinessChecks, type Logger, type Metrics, type ReadinessCheck } from '@rivulet/observability';
import { shown, withoutNul } from '../documents/document-input.js';
import { errorBody, IngressError, toIngressError } from '../errors.js';
import type { IngressMetrics } from '../metrics.js';
import type { ChatRoutes } from './chat-routes.js';
import { sendChatPage } from './page/chat-page.js';
import type { DocumentRoutes } from './document-routes.js';
import type { EmbeddingsRoute } from './embeddings-route.js';
import type { UsageRoutes } from './usage-routes.js';
import { sendError, sendJson } from './http-io.js';
import type { RouteRequest } from './route-guard.js';

export interface IngressServerOptions {
  documents: DocumentRoutes;
  chat: ChatRoutes;
  embeddings: EmbeddingsRoute;
  usage: UsageRoutes;
  /** Same checks as the ops server's /ready. */
  readiness: Readonly<Record<string, ReadinessCheck>>;
  /** False once shutdown began: /ready answers 503 `draining`. */
  isAccepting: () => boolean;
  metrics: Metrics;
  /** INGRESS_METRICS_ON_API: false answers /metrics with 404 here (the ops server still serves it). */
  metricsOnApi?: boolean;
  ingressMetrics: IngressMetrics;
  logger: Logger;
  /** The WebSocket endpoint's upgrade handler. */
  onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readinessTimeoutMs?: number;
}

const DOCUMENT_PREFIX = '/v1/documents/';
const CONVERSATION_MESSAGES = /^\/v1\/conversations\/([^/]+)\/messages$/;

/** The raw answer to a request node:http could not parse: 431 for headers over its limit, else 400. */
const clientErrorAnswer = (error: NodeJS.ErrnoException): string => {
  const [status, failure] = error.code === 'HPE_HEADER_OVERFLOW'
    ? ['431 Request Header Fields Too Large', new IngressError('payload_too_large', `The request headers are larger than this server accepts (${maxHeaderSize} bytes in all); send fewer or smaller headers.`)]
    : ['400 Bad Request', new IngressError('invalid_request', 'Malformed HTTP request.')];
  const body = JSON.stringify({ error: errorBody(failure) });
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
};

/** Query parameters of every route: none may carry a NUL (they reach PostgreSQL as filters and ids). */
const checkQuery = (url: URL): void => {
  for (const [name, value] of url.searchParams) {
    withoutNul(name + value, `query parameter ${shown(name)}`);
  }
};

export const createIngressServer = ({
  documents, chat, embeddings, usage, readiness, isAccepting, metrics, metricsOnApi = true, ingressMetrics, logger, onUpgrade, readinessTimeoutMs = 2000,
}: IngressServerOptions): Server => {
  const log = logger.child({ component: 'http' });

  const methodNotAllowed = (allowed: string[]): IngressError =>
    new IngressError('invalid_request', `Method not allowed here; use ${allowed.join(' or ')}.`, { httpStatus: 405 });

  /** Resolves a request to a route name (for metrics) and its work. */
  const route = (route: RouteRequest): { name: string; run: () => Promise<void> | void } => {
    const { request, response, url } = route;
    const method = request.method ?? 'GET';
    const path = url.pathname;
    const only = (name: string, allowed: string[], run: () => Promise<void> | void) => ({
      name,
      run: allowed.includes(method) ? run : () => {
        response.setHeader('allow', allowed.join(', '));
        throw methodNotAllowed(allowed);
      },
    });
    switch (path) {
      case '/health':
        return only('/health', ['GET', 'HEAD'], () => sendJson(response, 200, { status: 'ok' }));
      case '/ready':
        return only('/ready', ['GET', 'HEAD'], async () => {
          if (!isAccepting()) return sendJson(response, 503, { status: 'not_ready', checks: { process: 'down: draining' } });
          const report = await runReadinessChecks(readiness, readinessTimeoutMs);
          sendJson(response, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not_ready', checks: report.checks });
        });
      case '/metrics':
        if (!metricsOnApi) break;
        return only('/metrics', ['GET', 'HEAD'], async () => {
          const body = await metrics.render();
          response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(body);
        });
      case '/':
        return only('/', ['GET', 'HEAD'], () => sendChatPage(request, response));
      case '/v1/documents':
        return only('/v1/documents', ['POST'], () => documents.post(route));
      case '/v1/chat/completions':
        return only('/v1/chat/completions', ['POST'], () => chat.completions(route));
      case '/v1/search':
        return only('/v1/search', ['POST'], () => chat.search(route));
      case '/v1/embeddings':
        return only('/v1/embeddings', ['POST'], () => embeddings(route));
      case '/v1/usage':
        return only('/v1/usage', ['GET'], () => usage.get(route));
      case '/v1/conversations':
        return only('/v1/conversations', ['GET'], () => chat.listConversations(route));
      case '/v1/ws':
        return only('/v1/ws', ['GET'], () => {
          throw new IngressError('invalid_request', 'Open /v1/ws as a WebSocket (Upgrade: websocket).', { httpStatus: 426 });
        });
    }
    if (path.startsWith(DOCUMENT_PREFIX) && path.length > DOCUMENT_PREFIX.length && !path.slice(DOCUMENT_PREFIX.length).includes('/')) {
      const encodedId = path.slice(DOCUMENT_PREFIX.length);
      const withId = { ...route, pathParameter: encodedId };
      return only('/v1/documents/{id}', ['GET', 'DELETE'], () => (method === 'DELETE' ? documents.remove(withId) : documents.get(withId)));
    }
    const conversation = CONVERSATION_MESSAGES.exec(path);
    if (conversation) return only('/v1/conversations/{id}/messages', ['GET'], () => chat.messages({ ...route, pathParameter: conversation[1]! }));
    return {
      name: 'unknown',
      run: () => {
        throw new IngressError('not_found', `No ${method} ${shown(path, 200)} here; see docs/protocol.md for the routes.`);
      },
    };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    response.setHeader('x-request-id', requestId);
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://ingress.invalid');
    } catch {
      sendError(request, response, new IngressError('invalid_request', 'The request target is not a valid path.'));
      return;
    }
    const { name, run } = route({ request, response, url, requestId });
    response.once('finish', () => ingressMetrics.httpRequests.inc({ route: name, method: request.method ?? '', status: String(response.statusCode) }));
    try {
      checkQuery(url);
      await run();
    } catch (error) {
      const ingressError = toIngressError(error, requestId);
      if (ingressError.code === 'internal') log.error({ requestId, route: name, error }, 'request failed');
      else log.debug({ requestId, route: name, code: ingressError.code, reason: ingressError.message }, 'request refused');
      sendError(request, response, ingressError, ingressError.retriable && ingressError.httpStatus === 503 ? { 'retry-after': '1' } : {});
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error({ error }, 'request handler crashed');
      response.destroy();
    });
  });
  // Expect: 100-continue reaches the same handler, which answers "continue" only after auth and size checks pass.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => server.emit('request', request, response));
  server.on('upgrade', onUpgrade);
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    log.debug({ error: error.message, code: error.code }, 'malformed HTTP request');
    if (socket.writable) socket.end(clientErrorAnswer(error));
    else socket.destroy();
  });
  return server;
};
