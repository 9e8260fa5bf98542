// @rivulet/ws-ingress: the thin ingress (HTTP API, WebSocket, auth, limits, status pushes).
export { runIngress, type RunIngressOptions, type RunningIngress } from './main.js';
export {
  DEVELOPMENT_API_KEY, DEVELOPMENT_TENANT, defaultInstanceId, ingressConfigSchema, loadIngressConfig, parseApiKeys,
  type IngressConfig, type StaticApiKey,
} from './config.js';
export { authenticate, bearerToken, staticApiKeyStore, type ApiKeyPrincipal, type ApiKeyStore } from './auth.js';
export { IngressError, type ErrorBody, type ErrorCode } from './errors.js';
export { StatusRouter, type IngestStatusFrame, type StatusTarget, type Watch } from './status/status-router.js';
export { statusGroupId } from './status/status-feed.js';
export { CLOSE_SLOW_CONSUMER, CLOSE_UNAUTHORIZED } from './ws/session.js';
export { WEBSOCKET_PATH } from './ws/websocket-endpoint.js';
export { chainApiKeyStores } from './auth.js';
export { databaseApiKeyStore, type DatabaseApiKeyStore, type DatabaseApiKeyStoreOptions } from './auth/database-api-key-store.js';
export { createRateLimiter, createRateLimiterRedis, redisRateLimitStore, type RateLimiter } from './limits/index.js';
