// A minimal OTLP/HTTP JSON receiver: what the tests point OTEL_EXPORTER_OTLP_ENDPOINT at, and a
// quick way to see a process's spans without running a collector. Keeps every span in memory.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One received span, flattened out of its resource and scope. Ids are lowercase hex. */
export interface CollectedSpan {
  service: string | undefined;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's enum: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string | undefined };
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

export interface TraceCollector {
  /** `http://127.0.0.1:<port>`: the value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  readonly spans: readonly CollectedSpan[];
  /** Export requests received (each may carry many spans). */
  readonly requests: number;
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value?: AnyValue };
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string; spanId: string; parentSpanId?: string; name: string; kind?: number; attributes?: KeyValue[];
        status?: { code?: number; message?: string }; startTimeUnixNano: string | number; endTimeUnixNano: string | number;
      }[];
    }[];
  }[];
}

const valueOf = (value: AnyValue | undefined): string | number | boolean =>
  value?.stringValue ?? value?.boolValue ?? value?.doubleValue ?? (value?.intValue === undefined ? '' : Number(value.intValue));

const attributesOf = (list: KeyValue[] | undefined): Record<string, string | number | boolean> =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, valueOf(value)]));

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export const startTraceCollector = async ({ port = 0 }: { port?: number } = {}): Promise<TraceCollector> => {
  const spans: CollectedSpan[] = [];
  let requests = 0;
  const server = createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/traces') return void response.writeHead(404).end();
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return void response.writeHead(415).end();
    readBody(request).then((body) => {
      requests += 1;
      for (const { resource, scopeSpans = [] } of (JSON.parse(body) as ExportRequest).resourceSpans ?? []) {
        const service = attributesOf(resource?.attributes)['service.name'];
        for (const span of scopeSpans.flatMap((scope) => scope.spans ?? [])) {
          spans.push({
            service: typeof service === 'string' ? service : undefined,
            traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '', name: span.name, kind: span.kind ?? 0,
            attributes: attributesOf(span.attributes), status: { code: span.status?.code ?? 0, message: span.status?.message },
            startTimeUnixNano: String(span.startTimeUnixNano), endTimeUnixNano: String(span.endTimeUnixNano),
          });
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }).catch(() => response.writeHead(400).end());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
};
