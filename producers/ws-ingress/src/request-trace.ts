// Where a request's trace starts: the ingress's root span (SERVER kind) of one chat, search, ingest
// or delete, whose traceparent goes on the request's first event. Tracing off: a fresh traceparent,
// exactly what the producer would otherwise have made, so the workers still share one trace id.
import { childTraceparent } from '@rivulet/kafka';
import type { Tracer } from '@rivulet/observability';

export type RequestKind = 'chat' | 'search' | 'ingest' | 'delete';

/** Attribute names of the root span (docs/operations.md, "Tracing"). */
export const REQUEST_SPAN_ATTRIBUTES = {
  requestId: 'rivulet.request_id',
  tenantId: 'rivulet.tenant_id',
  kind: 'rivulet.request.kind',
  outcome: 'rivulet.outcome',
} as const;

/** Ends that are the client's choice, not failures: the span keeps status unset. */
const NOT_FAILURES = new Set(['done', 'accepted', 'cancelled', 'abandoned']);

export interface RequestTrace {
  /** For the first event's `traceparent` header: the root span's own ids. */
  readonly traceparent: string;
  /**
   * Ends the root span with how the request ended (`done`, `accepted`, `cancelled`, `abandoned`, or
   * an error code, which marks the span ERROR). Only the first call counts.
   */
  end(outcome: string, message?: string): void;
}

export const startRequestTrace = (tracer: Tracer | undefined, request: { kind: RequestKind; requestId: string; tenantId: string }): RequestTrace => {
  const span = tracer?.startSpan({
    name: `${request.kind} request`,
    kind: 'server',
    attributes: {
      [REQUEST_SPAN_ATTRIBUTES.requestId]: request.requestId,
      [REQUEST_SPAN_ATTRIBUTES.tenantId]: request.tenantId,
      [REQUEST_SPAN_ATTRIBUTES.kind]: request.kind,
    },
  });
  const traceparent = span?.traceparent ?? childTraceparent(undefined);
  let ended = span === undefined;
  return {
    traceparent,
    end: (outcome, message) => {
      if (ended) return;
      ended = true;
      span?.end({
        attributes: { [REQUEST_SPAN_ATTRIBUTES.outcome]: outcome },
        ...(NOT_FAILURES.has(outcome) ? {} : { error: { code: outcome, message } }),
      });
    },
  };
};
