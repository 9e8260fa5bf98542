// The ingress's own series, beside the shared process and pipeline metrics.
import type { Metrics } from '@rivulet/observability';

export const createIngressMetrics = (metrics: Metrics) => ({
  httpRequests: metrics.counter({
    name: 'rivulet_ingress_http_requests_total', help: 'HTTP requests answered by the ingress, by route, method and status.',
    labelNames: ['route', 'method', 'status'],
  }),
  webSockets: metrics.gauge({ name: 'rivulet_ingress_websockets', help: 'Open WebSocket connections (authenticated or not).' }),
  frames: metrics.counter({
    name: 'rivulet_ingress_ws_frames_total', help: 'WebSocket frames received, by type (unknown and invalid included).', labelNames: ['type'],
  }),
  chatRequests: metrics.counter({
    name: 'rivulet_ingress_chat_requests_total', help: 'Chat and search requests ended, by kind and outcome (done, or the error code: timeout, cancelled, provider_unavailable, ...).',
    labelNames: ['kind', 'outcome'],
  }),
  chatInFlight: metrics.gauge({ name: 'rivulet_ingress_chat_in_flight', help: 'Chat and search requests accepted by this instance and not yet answered.' }),
  chatFirstDelta: metrics.histogram({
    name: 'rivulet_ingress_chat_first_delta_seconds', help: 'From accepting a chat request to its first answer text reaching this instance.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
  chatDuration: metrics.histogram({
    name: 'rivulet_ingress_chat_duration_seconds', help: 'From accepting a chat or search request to its terminal reply, by kind.', labelNames: ['kind'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  }),
  embeddingBatches: metrics.counter({
    name: 'rivulet_ingress_embedding_batches_total', help: 'Model runs of POST /v1/embeddings (each at most INGRESS_EMBEDDINGS_BATCH_SIZE texts).',
  }),
  statusPushes: metrics.counter({
    name: 'rivulet_ingress_status_pushes_total', help: 'ingest_status frames pushed from document-indexed events, by outcome.', labelNames: ['outcome'],
  }),
});

export type IngressMetrics = ReturnType<typeof createIngressMetrics>;
