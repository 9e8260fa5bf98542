// The ingress process: the only place that reads configuration and builds clients.
//   node producers/ws-ingress/dist/main.js     (or `rivulet ingress`)
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { ConfigError, type Environment } from '@rivulet/config';
import { topicPartitionCount } from '@rivulet/kafka';
import { createService } from '@rivulet/service';
import { loadThreadedOnnxEmbeddingModel, type EmbeddingModel } from '@rivulet/embedding';
import { TOPICS } from '@rivulet/schemas';
import { conversationExists, createConversation, createPool, listConversations, listMessages, usageByDay } from '@rivulet/store';
import { chainApiKeyStores, staticApiKeyStore } from './auth.js';
import { databaseApiKeyStore } from './auth/database-api-key-store.js';
import { DEVELOPMENT_API_KEY, loadIngressConfig, type IngressConfig } from './config.js';
import { kafkaDocumentPublisher } from './documents/document-events.js';
import { createDocumentService } from './documents/document-service.js';
import { createDocumentStore } from './documents/document-store.js';
import { redisCancelSignal } from './chat/cancel-signal.js';
import { createChatService, kafkaChatPublisher } from './chat/chat-service.js';
import { createReplyFeed } from './chat/reply-feed.js';
import { leaseReplyPartition } from './chat/reply-partition.js';
import { ReplyRouter } from './chat/reply-router.js';
import { createChatRoutes } from './http/chat-routes.js';
import { createEmbeddingsRoute, type TextEmbedder } from './http/embeddings-route.js';
import { createUsageRoutes } from './http/usage-routes.js';
import { createDocumentRoutes } from './http/document-routes.js';
import { createRouteGuard } from './http/route-guard.js';
import { createIngressServer } from './http/server.js';
import { createRateLimiter, createRateLimiterRedis, redisRateLimitStore } from './limits/index.js';
import { createIngressMetrics } from './metrics.js';
import { createStatusFeed } from './status/status-feed.js';
import { StatusRouter } from './status/status-router.js';
import { createWebSocketEndpoint, type WebSocketEndpoint } from './ws/websocket-endpoint.js';

export interface RunIngressOptions {
  /** Called after a SIGTERM/SIGINT shutdown with the exit code; default `process.exit`. */
  exit?: (code: number) => void;
}

export interface RunningIngress {
  /** `http://host:port` of the HTTP API and WebSocket (`ws://host:port/v1/ws`). */
  url: string;
  /** `http://host:port` of the ops server (/health, /ready, /metrics on OPS_HOST:OPS_PORT). */
  opsUrl: string;
  /** Graceful stop: refuse new work, close sockets (1001), finish requests, leave the group, close clients. */
  stop(): Promise<void>;
}

const HTTP_DRAIN_MS = 10_000;
/** How long a database key lookup is reused; revocations do not wait for it (Redis broadcast). */
const API_KEY_CACHE_MS = 30_000;

const refuseDevelopmentKeyInProduction = (config: IngressConfig): void => {
  if (config.RIVULET_ENV === 'production' && config.RIVULET_API_KEYS.some(({ key }) => key === DEVELOPMENT_API_KEY)) {
    throw new ConfigError([{ variable: 'RIVULET_API_KEYS', expected: 'keys of your own in production (the development key is public)', found: '<redacted>' }]);
  }
};

/** Starts one ingress: HTTP + WebSocket on INGRESS_HOST:INGRESS_PORT, the status feed, the ops server. */
export const runIngress = async (env: Environment = process.env, { exit }: RunIngressOptions = {}): Promise<RunningIngress> => {
  const config = loadIngressConfig(env);
  refuseDevelopmentKeyInProduction(config);
  const service = createService('ingress', config, exit ? { exit } : {});
  const { logger, metrics, kafka, codec, producer, instrumentation, tracer } = service;
  if (config.RIVULET_API_KEYS.some(({ key }) => key === DEVELOPMENT_API_KEY)) {
    logger.warn('RIVULET_API_KEYS includes the public development key; set keys of your own outside development');
  }
  try {
    // Spans from the first request on: the feeds and the HTTP server start before serve().
    await service.tracingReady();
    const pool = createPool({ databaseUrl: config.DATABASE_URL, applicationName: 'rivulet-ingress' });
    service.onStop({ stop: () => pool.end() });
    const ingressMetrics = createIngressMetrics(metrics);
    const router = new StatusRouter();
    const documents = createDocumentService({
      store: createDocumentStore(pool), publisher: kafkaDocumentPublisher(producer), maxDocumentBytes: config.INGEST_MAX_DOCUMENT_BYTES, logger, tracer,
    });

    const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
    // Without a listener ioredis prints every failed reconnect to stderr as an unhandled error.
    redis.on('error', (error: Error) => logger.debug({ error: error.message }, 'redis (reply partitions, cancel): error (reconnecting)'));
    service.onStop({ stop: () => Promise.resolve(redis.disconnect()) });
    await redis.connect();
    // Keys from `rivulet keys create`, after the static RIVULET_API_KEYS. Revocations arrive on a
    // subscriber connection of their own (a subscribed connection can do nothing else).
    const keySubscriber = new Redis(config.REDIS_URL, { lazyConnect: true });
    keySubscriber.on('error', (error: Error) => logger.warn({ error }, 'API key revocation subscriber: Redis error (reconnecting)'));
    service.onStop({ stop: () => Promise.resolve(keySubscriber.disconnect()) });
    await keySubscriber.connect();
    // A revocation also closes the key's open sockets (bound below, once the endpoint exists).
    const openSockets: { closeSessionsOfKey: WebSocketEndpoint['closeSessionsOfKey'] } = { closeSessionsOfKey: () => 0 };
    const databaseKeys = databaseApiKeyStore({
      pool, redis: keySubscriber, prefix: config.KAFKA_TOPIC_PREFIX, cacheMs: API_KEY_CACHE_MS,
      onRevoked: (keyId) => {
        const closed = openSockets.closeSessionsOfKey(keyId);
        logger.info({ keyId, closedWebSockets: closed }, 'API key revoked; refused from now on');
      },
    });
    service.onStop(databaseKeys);
    await databaseKeys.start();
    const auth = chainApiKeyStores(staticApiKeyStore(config.RIVULET_API_KEYS), databaseKeys);
    // Its own fail-fast connection: a rate check must never wait on an unreachable Redis.
    const limiterRedis = createRateLimiterRedis(config.REDIS_URL, {
      onError: (error) => logger.debug({ error: error.message }, 'rate limiter: Redis error (reconnecting)'),
    });
    service.onStop({ stop: () => Promise.resolve(limiterRedis.disconnect()) });
    await limiterRedis.connect().catch((error: unknown) => logger.warn({ error }, 'rate limiter: Redis not reachable at start; counting per instance'));
    const rateLimiter = createRateLimiter({
      store: redisRateLimitStore({ redis: limiterRedis, prefix: config.KAFKA_TOPIC_PREFIX }),
      defaultPerMinute: config.RATE_LIMIT_PER_MINUTE, redisDownPolicy: config.RATE_LIMIT_REDIS_DOWN, metrics,
      logger: logger.child({ component: 'rate-limiter' }),
    });
    // The broker's count, not the declared one: operators grow it with KAFKA_TOPIC_PARTITIONS (docs/operations.md, Scaling).
    const replyPartitions = await topicPartitionCount(kafka, config.KAFKA_TOPIC_PREFIX + TOPICS.replies);
    const lease = await leaseReplyPartition({
      redis, instanceId: config.INGRESS_INSTANCE_ID, partitions: replyPartitions, prefix: config.KAFKA_TOPIC_PREFIX,
      onLost: (partition) => logger.warn({ partition }, 'lost the lease on the replies partition; another instance may share it'),
    });
    service.onStop({ stop: () => lease.release() });
    if (!lease.exclusive) logger.warn({ partition: lease.partition, partitions: replyPartitions }, 'every replies partition is held by another ingress; sharing one (add partitions to rivulet.chat.replies to scale further)');
    const replies = new ReplyRouter();
    const replyFeed = createReplyFeed({
      kafka, codec, producer, router: replies, instanceId: config.INGRESS_INSTANCE_ID, partition: lease.partition, instrumentation, tracer,
      logger: logger.child({ component: 'reply-feed' }),
      onDelivery: (outcome, event) => {
        if (outcome === 'gap') logger.warn({ requestId: event.payload.requestId }, 'reply delta out of sequence; dropped');
      },
    });
    service.onStop(replyFeed);
    await replyFeed.start();
    const chat = createChatService({
      router: replies,
      conversations: {
        exists: (tenantId, conversationId) => conversationExists(pool, tenantId, conversationId),
        create: async (conversation) => void (await createConversation(pool, conversation)),
      },
      publisher: kafkaChatPublisher(producer),
      cancelSignal: redisCancelSignal(redis, config.KAFKA_TOPIC_PREFIX),
      route: { ingressInstanceId: config.INGRESS_INSTANCE_ID, partition: lease.partition },
      requestTimeoutMs: config.CHAT_REQUEST_TIMEOUT, tracer,
      onCancelSignalFailed: (requestId, error) => logger.warn({ requestId, error }, 'cancel not signalled to the generation workers (Redis); the answer will complete'),
      observer: {
        started: () => ingressMetrics.chatInFlight.inc(),
        firstDelta: (_kind, seconds) => ingressMetrics.chatFirstDelta.observe(seconds),
        ended: (kind, outcome, seconds) => {
          ingressMetrics.chatInFlight.dec();
          ingressMetrics.chatRequests.inc({ kind, outcome });
          ingressMetrics.chatDuration.observe({ kind }, seconds);
        },
      },
    });
    let embedding: Promise<EmbeddingModel> | undefined;
    const embedder = async (): Promise<TextEmbedder> => {
      // Loaded on the first POST /v1/embeddings: an ingress that never serves one never pays for the model.
      embedding ??= loadThreadedOnnxEmbeddingModel({
        modelDirectory: config.EMBEDDING_MODEL_DIR ?? join(config.RIVULET_HOME, 'models', 'all-minilm-l6-v2'), variant: 'int8', intraOpThreads: 1, interOpThreads: 1,
      });
      const model = await embedding;
      return {
        modelId: model.id, maxTokens: model.maxTokens,
        embed: (texts) => {
          ingressMetrics.embeddingBatches.inc();
          return model.embed(texts);
        },
        countTokens: (text) => model.tokenizer?.countTokens(text) ?? Math.ceil(text.length / 4),
      };
    };
    service.onStop({ stop: async () => void (await (await embedding)?.close()) });

    const statusFeed = createStatusFeed({
      kafka, codec, producer, router, instanceId: config.INGRESS_INSTANCE_ID, instrumentation, tracer,
      logger: logger.child({ component: 'status-feed' }),
      onDelivery: (outcome) => {
        if (outcome === 'unknown_status') logger.warn('document-indexed with an unknown status; ignored');
      },
    });
    service.onStop(statusFeed);
    await statusFeed.start();

    const admin = kafka.admin();
    service.onStop({ stop: () => admin.disconnect() });
    const dependencies = {
      postgres: async () => {
        await pool.query('SELECT 1');
      },
      statusFeed: () => (statusFeed.isJoined() ? Promise.resolve() : Promise.reject(new Error('not yet assigned the documents-indexed partitions'))),
      replyFeed: () => (replyFeed.isJoined() ? Promise.resolve() : Promise.reject(new Error(`not yet assigned replies partition ${lease.partition}`))),
      redis: async () => void (await redis.ping()),
    };
    const readiness = {
      kafka: async () => {
        await admin.connect();
        await admin.describeCluster();
      },
      schemaRegistry: async () => {
        const response = await fetch(`${config.SCHEMA_REGISTRY_URL}/subjects`, { signal: AbortSignal.timeout(1500) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      },
      ...dependencies,
    };

    let accepting = true;
    const isAccepting = (): boolean => accepting;
    const websockets = createWebSocketEndpoint({
      auth, documents, chat, router, logger, ingressMetrics, isAccepting, rateLimiter,
      maxFrameBytes: config.WS_MAX_FRAME_BYTES, authTimeoutMs: config.WS_AUTH_TIMEOUT, maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
      allowedOrigins: config.WS_ALLOWED_ORIGINS, maxSocketsPerKey: config.WS_MAX_SOCKETS_PER_KEY,
    });
    openSockets.closeSessionsOfKey = websockets.closeSessionsOfKey;
    const guard = createRouteGuard({ auth, rateLimiter });
    const server = createIngressServer({
      documents: createDocumentRoutes({ documents, guard, maxDocumentBytes: config.INGEST_MAX_DOCUMENT_BYTES }),
      chat: createChatRoutes({
        chat, guard, maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
        conversations: {
          list: async (tenantId, { limit }) => (await listConversations(pool, tenantId, { limit })).map(({ id, title, updatedAt }) => ({ id, title, updatedAt })),
          messages: async (tenantId, conversationId) => {
            if (!(await conversationExists(pool, tenantId, conversationId))) return undefined;
            return (await listMessages(pool, tenantId, conversationId)).map(({ id, role, content, createdAt, tokens, metadata }) => ({ id, role, content, createdAt, tokens, metadata }));
          },
        },
      }),
      embeddings: createEmbeddingsRoute({ guard, embedder, batchSize: config.INGRESS_EMBEDDINGS_BATCH_SIZE, maxRequestTokens: config.INGRESS_EMBEDDINGS_MAX_TOKENS }),
      usage: createUsageRoutes({ guard, usage: { byDay: (tenantId, range) => usageByDay(pool, { tenantId, ...range }) } }),
      readiness, isAccepting, metrics, metricsOnApi: config.INGRESS_METRICS_ON_API, ingressMetrics, logger, onUpgrade: websockets.handleUpgrade,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.INGRESS_PORT, config.INGRESS_HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    service.onStop({
      stop: async () => {
        accepting = false;
        await websockets.close();
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = setTimeout(() => server.closeAllConnections(), HTTP_DRAIN_MS);
        await drained;
        clearTimeout(deadline);
      },
    });
    const ops = await service.serve(dependencies);

    const { port } = server.address() as AddressInfo;
    const host = config.INGRESS_HOST.includes(':') ? `[${config.INGRESS_HOST}]` : config.INGRESS_HOST;
    const url = `http://${host}:${port}`;
    logger.info({ url, websocket: `ws://${host}:${port}/v1/ws`, instanceId: config.INGRESS_INSTANCE_ID, statusGroup: statusFeed.groupId, replyPartition: lease.partition }, 'ingress listening');
    return { url, opsUrl: ops.url, stop: () => service.stop() };
  } catch (error) {
    await service.stop();
    throw error;
  }
};

// Run directly: start, and let SIGTERM/SIGINT stop it (wired by service.serve).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await runIngress();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : `ingress failed to start: ${(error as Error).message}`}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
}
