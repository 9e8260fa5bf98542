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
  statusPushes: metrics.counter({
    name: 'rivulet_ingress_status_pushes_total', help: 'ingest_status frames pushed from document-indexed events, by outcome.', labelNames: ['outcome'],
  }),
});

export type IngressMetrics = ReturnType<typeof createIngressMetrics>;
