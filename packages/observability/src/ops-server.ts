import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { runReadinessChecks, type ReadinessCheck } from './readiness.js';

export interface OpsServerOptions {
  /** OPS_HOST. Default 127.0.0.1. */
  host?: string;
  /** OPS_PORT; 0 picks a free port (read it back from the result). Default 0. */
  port?: number;
  metrics: Metrics;
  logger: Logger;
  /** Named checks for GET /ready, e.g. `{ kafka, schemaRegistry, postgres }`. None: ready while not draining. */
  readiness?: Readonly<Record<string, ReadinessCheck>>;
  /** A check that has not answered within this is reported down. Default 2000. */
  checkTimeoutMs?: number;
}

export interface OpsServer {
  readonly port: number;
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  /** `setReady(false)` at the start of a graceful shutdown: /ready answers 503 `draining` from then on. */
  setReady(ready: boolean): void;
  /** Stops listening and closes open connections. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The per-process operations server (PROTOCOL.md §2): GET /health, GET /ready, GET /metrics.
 * Plain node:http; it serves operators and Prometheus, never clients.
 */
export const startOpsServer = async ({
  host = '127.0.0.1', port = 0, metrics, logger, readiness = {}, checkTimeoutMs = 2000,
}: OpsServerOptions): Promise<OpsServer> => {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`startOpsServer(): port must be 0..65535, got ${port}`);
  if (!(checkTimeoutMs > 0)) throw new RangeError('startOpsServer(): checkTimeoutMs must be positive');
  const log = logger.child({ component: 'ops-server' });
  let accepting = true;

  const routes: Record<string, (response: ServerResponse) => void | Promise<void>> = {
    '/health': (response) => sendJson(response, 200, { status: 'ok' }),
    '/ready': async (response) => {
      if (!accepting) return sendJson(response, 503, { status: 'not_ready', checks: { process: 'down: draining' } });
      const report = await runReadinessChecks(readiness, checkTimeoutMs);
      sendJson(response, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not_ready', checks: report.checks });
    },
    '/metrics': async (response) => {
      const body = await metrics.render();
      response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(body);
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://ops.invalid').pathname;
    const route = routes[path];
    if (route && (request.method === 'GET' || request.method === 'HEAD')) return await route(response);
    sendError(response, 404, 'not_found', `No ${request.method ?? ''} ${path} here: this server answers GET /health, /ready and /metrics.`, false);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error({ error, path: request.url }, 'ops request failed');
      if (!response.headersSent) sendError(response, 500, 'internal', 'The ops server failed; see the process log.', true);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log.error({ error }, 'ops server error'));

  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  log.info({ url }, 'ops server listening');
  let closing: Promise<void> | undefined;
  return {
    port: actualPort,
    url,
    setReady: (ready) => {
      accepting = ready;
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        accepting = false;
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
};

const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
};

const sendError = (response: ServerResponse, status: number, code: string, message: string, retryable: boolean): void =>
  sendJson(response, status, { error: { code, message, retryable } });
