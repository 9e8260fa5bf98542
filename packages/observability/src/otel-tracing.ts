// The OpenTelemetry side of tracing.ts, loaded only when tracing is on (dynamic import there).
// The provider is used directly and never registered as the global one: only Rivulet's own spans
// are recorded, and no library in the process starts emitting spans because an SDK appeared.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type ReadableSpan, type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from './logger.js';
import type { SpanKindName, Tracing, TracingOptions } from './tracing.js';

const KINDS: Record<SpanKindName, SpanKind> = {
  server: SpanKind.SERVER, client: SpanKind.CLIENT, producer: SpanKind.PRODUCER, consumer: SpanKind.CONSUMER, internal: SpanKind.INTERNAL,
};

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote parent a traceparent names, or the root context when there is none (or it is malformed). */
const parentContext = (traceparent: string | undefined): Context => {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (!match) return ROOT_CONTEXT;
  const spanContext = { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED, isRemote: true };
  return trace.isSpanContextValid(spanContext) ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
};

/** Logs the first failed export of a run of failures, and the recovery, instead of every batch. */
class ReportingExporter implements SpanExporter {
  private failing = false;

  constructor(private readonly exporter: SpanExporter, private readonly logger: Logger, private readonly url: string) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exporter.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS && !this.failing) {
        this.failing = true;
        this.logger.warn({ url: this.url, spans: spans.length, error: result.error?.message }, 'trace export failed; spans are dropped until the collector answers');
      } else if (result.code === ExportResultCode.SUCCESS && this.failing) {
        this.failing = false;
        this.logger.info({ url: this.url }, 'trace export works again');
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}

export const startOtelTracing = ({
  url, serviceName, sampleRatio = 1, logger, exportDelayMs = 5000, maxQueuedSpans = 2048, exportTimeoutMs = 10_000,
}: TracingOptions & { url: string }): Tracing => {
  const log = logger.child({ component: 'tracing' });
  const exporter = new ReportingExporter(new OTLPTraceExporter({ url, timeoutMillis: exportTimeoutMs }), log, url);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, 'service.namespace': 'rivulet' }),
    // A hop follows the decision in the traceparent it receives, so a trace is kept or dropped whole.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter, {
      scheduledDelayMillis: exportDelayMs, maxQueueSize: maxQueuedSpans, maxExportBatchSize: Math.min(512, maxQueuedSpans), exportTimeoutMillis: exportTimeoutMs,
    })],
  });
  const tracer = provider.getTracer('@rivulet/observability');
  log.info({ url, serviceName, sampleRatio }, 'tracing on: exporting spans over OTLP/HTTP');

  let stopping: Promise<void> | undefined;
  return {
    ready: Promise.resolve(),
    tracer: {
      startSpan: ({ name, kind, parent, attributes }) => {
        const span = tracer.startSpan(name, { kind: KINDS[kind], ...(attributes ? { attributes } : {}) }, parentContext(parent));
        // The header names this span's own ids: the exported span and the traceparent agree.
        const { traceId, spanId, traceFlags } = span.spanContext();
        return {
          traceparent: `00-${traceId}-${spanId}-${(traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0')}`,
          end: (outcome) => {
            if (outcome?.attributes) span.setAttributes(outcome.attributes);
            if (outcome?.error) {
              span.setAttribute('error.type', outcome.error.code);
              span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message ?? outcome.error.code });
            }
            span.end();
          },
        };
      },
    },
    shutdown: (timeoutMs = 5000) => {
      stopping ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        });
        try {
          const result = await Promise.race([provider.shutdown().then(() => 'done' as const), timedOut]);
          if (result === 'timeout') log.warn({ url, timeoutMs }, 'spans not all exported before shutdown; the rest are lost');
        } catch (error) {
          log.warn({ url, error }, 'tracing shutdown failed; queued spans are lost');
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
};
