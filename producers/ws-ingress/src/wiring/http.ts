// The ingress's front: the HTTP routes behind one route guard, the WebSocket endpoint, and the
// server that carries both on INGRESS_HOST:INGRESS_PORT, drained on stop.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReadinessCheck, Service } from '@rivulet/service';
import { conversationExists, listConversations, listMessages, usageByDay, type Pool } from '@rivulet/store';
import type { IngressConfig } from '../config.js';
import { createChatRoutes, type ConversationReader } from '../http/chat-routes.js';
import { createDocumentRoutes } from '../http/document-routes.js';
import { createEmbeddingsRoute } from '../http/embeddings-route.js';
import { createRouteGuard } from '../http/route-guard.js';
import { createIngressServer } from '../http/server.js';
import { createUsageRoutes } from '../http/usage-routes.js';
import type { IngressMetrics } from '../metrics.js';
import type { StatusRouter } from '../status/status-router.js';
import { createWebSocketEndpoint, type WebSocketEndpoint } from '../ws/websocket-endpoint.js';
import type { IngressClients } from './clients.js';
import type { IngressServices } from './services.js';

const HTTP_DRAIN_MS = 10_000;

export interface IngressFrontOptions {
  service: Service;
  config: IngressConfig;
  clients: IngressClients;
  services: IngressServices;
  statuses: StatusRouter;
  ingressMetrics: IngressMetrics;
  /** The API port's /ready: the same checks as the ops server's. */
  readiness: Readonly<Record<string, ReadinessCheck>>;
}

export interface IngressFront {
  /** `http://host:port` of the HTTP API and WebSocket. */
  url: string;
  websockets: WebSocketEndpoint;
}

const conversationReader = (pool: Pool): ConversationReader => ({
  list: async (tenantId, { limit }) => (await listConversations(pool, tenantId, { limit })).map(({ id, title, updatedAt }) => ({ id, title, updatedAt })),
  messages: async (tenantId, conversationId) => {
    if (!(await conversationExists(pool, tenantId, conversationId))) return undefined;
    return (await listMessages(pool, tenantId, conversationId)).map(({ id, role, content, createdAt, tokens, metadata }) => ({ id, role, content, createdAt, tokens, metadata }));
  },
});

const routes = ({ config, clients: { pool, auth, rateLimiter }, services: { chat, documents, embedder } }: IngressFrontOptions) => {
  const guard = createRouteGuard({ auth, rateLimiter });
  return {
    documents: createDocumentRoutes({ documents, guard, maxDocumentBytes: config.INGEST_MAX_DOCUMENT_BYTES }),
    chat: createChatRoutes({ chat, guard, maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES, conversations: conversationReader(pool) }),
    embeddings: createEmbeddingsRoute({ guard, embedder, batchSize: config.INGRESS_EMBEDDINGS_BATCH_SIZE, maxRequestTokens: config.INGRESS_EMBEDDINGS_MAX_TOKENS }),
    usage: createUsageRoutes({ guard, usage: { byDay: (tenantId, range) => usageByDay(pool, { tenantId, ...range }) } }),
  };
};

const listen = (server: Server, port: number, host: string): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

/** Finishes the requests in flight, closing what is still open after HTTP_DRAIN_MS. */
const drain = async (server: Server): Promise<void> => {
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = setTimeout(() => server.closeAllConnections(), HTTP_DRAIN_MS);
  await drained;
  clearTimeout(deadline);
};

const urlOf = (server: Server, configuredHost: string): string => {
  const { port } = server.address() as AddressInfo;
  const host = configuredHost.includes(':') ? `[${configuredHost}]` : configuredHost;
  return `http://${host}:${port}`;
};

/** Listens; on stop refuses new work, closes the sockets (1001), then drains the HTTP requests. */
export const startFront = async (options: IngressFrontOptions): Promise<IngressFront> => {
  const { service, config, clients, services, statuses, ingressMetrics, readiness } = options;
  const { logger, metrics } = service;
  let accepting = true;
  const isAccepting = (): boolean => accepting;
  const websockets = createWebSocketEndpoint({
    auth: clients.auth, documents: services.documents, chat: services.chat, router: statuses, logger, ingressMetrics, isAccepting, rateLimiter: clients.rateLimiter,
    maxFrameBytes: config.WS_MAX_FRAME_BYTES, authTimeoutMs: config.WS_AUTH_TIMEOUT, maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
    allowedOrigins: config.WS_ALLOWED_ORIGINS, maxSocketsPerKey: config.WS_MAX_SOCKETS_PER_KEY,
  });
  clients.closeRevokedSessionsWith(websockets);
  const server = createIngressServer({
    ...routes(options), readiness, isAccepting, metrics, metricsOnApi: config.INGRESS_METRICS_ON_API, ingressMetrics, logger, onUpgrade: websockets.handleUpgrade,
  });
  await listen(server, config.INGRESS_PORT, config.INGRESS_HOST);
  service.onStop({
    stop: async () => {
      accepting = false;
      await websockets.close();
      await drain(server);
    },
  });
  return { url: urlOf(server, config.INGRESS_HOST), websockets };
};
