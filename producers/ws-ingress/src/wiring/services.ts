// What the routes and sockets call: the chat service, the document service and the embedder of
// POST /v1/embeddings, on the clients and feeds already built.
import { join } from 'node:path';
import { loadThreadedOnnxEmbeddingModel, type EmbeddingModel } from '@rivulet/embedding';
import type { Service } from '@rivulet/service';
import { conversationExists, createConversation } from '@rivulet/store';
import { redisCancelSignal } from '../chat/cancel-signal.js';
import { createChatService, kafkaChatPublisher, type ChatObserver, type ChatService } from '../chat/chat-service.js';
import type { IngressConfig } from '../config.js';
import { kafkaDocumentPublisher } from '../documents/document-events.js';
import { createDocumentService, type DocumentService } from '../documents/document-service.js';
import { createDocumentStore } from '../documents/document-store.js';
import type { TextEmbedder } from '../http/embeddings-route.js';
import type { IngressMetrics } from '../metrics.js';
import type { IngressClients } from './clients.js';
import type { IngressFeeds } from './feeds.js';

export interface IngressServices {
  chat: ChatService;
  documents: DocumentService;
  /** Loads the model on first use. */
  embedder: () => Promise<TextEmbedder>;
}

const chatObserver = (ingressMetrics: IngressMetrics): ChatObserver => ({
  started: () => ingressMetrics.chatInFlight.inc(),
  firstDelta: (_kind, seconds) => ingressMetrics.chatFirstDelta.observe(seconds),
  ended: (kind, outcome, seconds) => {
    ingressMetrics.chatInFlight.dec();
    ingressMetrics.chatRequests.inc({ kind, outcome });
    ingressMetrics.chatDuration.observe({ kind }, seconds);
  },
});

const createChat = (service: Service, config: IngressConfig, { pool, redis }: IngressClients, { replies, lease }: IngressFeeds, ingressMetrics: IngressMetrics): ChatService =>
  createChatService({
    router: replies,
    conversations: {
      exists: (tenantId, conversationId) => conversationExists(pool, tenantId, conversationId),
      create: async (conversation) => void (await createConversation(pool, conversation)),
    },
    publisher: kafkaChatPublisher(service.producer),
    cancelSignal: redisCancelSignal(redis, config.KAFKA_TOPIC_PREFIX),
    route: { ingressInstanceId: config.INGRESS_INSTANCE_ID, partition: lease.partition },
    requestTimeoutMs: config.CHAT_REQUEST_TIMEOUT, tracer: service.tracer,
    onCancelSignalFailed: (requestId, error) => service.logger.warn({ requestId, error }, 'cancel not signalled to the generation workers (Redis); the answer will complete'),
    observer: chatObserver(ingressMetrics),
  });

/** Loaded on the first POST /v1/embeddings: an ingress that never serves one never pays for the model. */
const lazyEmbedder = (service: Service, config: IngressConfig, ingressMetrics: IngressMetrics): (() => Promise<TextEmbedder>) => {
  let embedding: Promise<EmbeddingModel> | undefined;
  service.onStop({ stop: async () => void (await (await embedding)?.close()) });
  return async () => {
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
};

export const createServices = (service: Service, config: IngressConfig, clients: IngressClients, feeds: IngressFeeds, ingressMetrics: IngressMetrics): IngressServices => ({
  chat: createChat(service, config, clients, feeds, ingressMetrics),
  documents: createDocumentService({
    store: createDocumentStore(clients.pool), publisher: kafkaDocumentPublisher(service.producer), maxDocumentBytes: config.INGEST_MAX_DOCUMENT_BYTES,
    logger: service.logger, tracer: service.tracer,
  }),
  embedder: lazyEmbedder(service, config, ingressMetrics),
});
