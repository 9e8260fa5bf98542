export {
  createLogger, componentLogger, withContext,
  type DestinationStream, type LevelWithSilent, type LogContext, type Logger, type LoggerOptions,
} from './logger.js';
export { contentKeys, credentialKeys, defaultRedactPaths, redactionCensor } from './redaction.js';
export { createMetrics, type MetricConfig, type Metrics, type MetricsOptions } from './metrics.js';
export {
  noopPipelineInstrumentation,
  type BatchProcessed, type ConsumerLag, type DeadLettered, type MessageHandled, type MessageOutcome,
  type PipelineInstrumentation, type Produced, type Rebalance, type StageLatency,
} from './pipeline-instrumentation.js';
export { createPipelineMetrics } from './pipeline-metrics.js';
export { runReadinessChecks, type ReadinessCheck, type ReadinessReport } from './readiness.js';
export { startOpsServer, type OpsServer, type OpsServerOptions } from './ops-server.js';
export {
  createTracing, tracesUrl,
  type SpanAttributes, type SpanKindName, type SpanOptions, type SpanOutcome, type TraceSpan, type Tracer, type Tracing, type TracingOptions,
} from './tracing.js';
export { startTraceCollector, type CollectedSpan, type TraceCollector } from './trace-collector.js';
