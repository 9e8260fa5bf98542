// The HTTP plumbing both fakes share: listen on loopback, record requests, count the
// connections a client closed before the answer was complete, play tokens with delays.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { FakeBehaviour, FakeStreamError } from './behaviour.js';

/** One request as received: `body` is the parsed JSON, or undefined when it was not JSON. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** What every fake provider exposes to tests, e2e runs and benchmarks. */
export interface FakeProviderServer {
  /** Base URL to give the SDK or adapter (the OpenAI fake's ends in /v1, like api.openai.com's). */
  readonly url: string;
  /** Every request so far, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Responses whose connection the client closed before the response was complete (cancels, client timeouts). */
  readonly clientAborts: number;
  /** Resolves once `clientAborts` reaches `count`; rejects after `timeoutMs` (default 5 000). */
  waitForClientAborts(count: number, timeoutMs?: number): Promise<void>;
  readonly behaviour: FakeBehaviour;
  /** Replaces the behaviour for requests that arrive from now on. */
  setBehaviour(behaviour: FakeBehaviour): void;
  /**
   * A script: each request that arrives takes the next of these behaviours, in order; once they
   * are used up, requests get the one set by `setBehaviour` again (e.g. a 429, then success).
   */
  enqueueBehaviours(...behaviours: FakeBehaviour[]): void;
  /** Forgets the recorded requests, the abort count and any behaviours still queued. */
  reset(): void;
  /** Cuts open connections and stops listening. */
  close(): Promise<void>;
}

/** One request in flight, handed to a provider's handler. */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  readonly response: ServerResponse;
  /** The behaviour in force when the request arrived. */
  readonly behaviour: FakeBehaviour;
  /** Aborted when the connection closes, by either side. */
  readonly closed: AbortSignal;
  /** Destroys the socket on purpose (not counted as a client abort). */
  drop(): void;
}

export interface FakeServerOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly behaviour: FakeBehaviour;
  /** The URL path prefix put into `url` (e.g. '/v1'). */
  readonly basePath: string;
  readonly handle: (exchange: Exchange) => Promise<void>;
}

export const startFakeServer = async ({ host = '127.0.0.1', port = 0, behaviour: initial, basePath, handle }: FakeServerOptions): Promise<FakeProviderServer> => {
  let behaviour = initial;
  let queued: FakeBehaviour[] = [];
  let requests: RecordedRequest[] = [];
  let clientAborts = 0;
  let closing = false;
  let waiters: { count: number; resolve: () => void }[] = [];

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = { method: request.method ?? '', path: (request.url ?? '').split('?')[0]!, headers: request.headers, body };
      requests.push(recorded);
      const connection = new AbortController();
      let dropped = false;
      response.on('close', () => {
        connection.abort();
        if (response.writableFinished || dropped || closing) return;
        clientAborts += 1;
        waiters = waiters.filter((waiter) => (waiter.count <= clientAborts ? (waiter.resolve(), false) : true));
      });
      const drop = () => {
        dropped = true;
        // Flush what was written and give the client a moment to read it (a reader's queued data is lost
        // when its socket errors), then cut without an end of stream.
        const socket = response.socket;
        if (socket) socket.write('', () => setTimeout(() => socket.destroy(), 25));
      };
      handle({ ...recorded, response, behaviour: queued.shift() ?? behaviour, closed: connection.signal, drop }).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`fake provider failed: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${hostInUrl}:${address.port}${basePath}`,
    get requests() {
      return requests;
    },
    get clientAborts() {
      return clientAborts;
    },
    waitForClientAborts: (count, timeoutMs = 5_000) =>
      new Promise<void>((resolve, reject) => {
        if (clientAborts >= count) return resolve();
        const timer = setTimeout(() => reject(new Error(`fake provider: ${clientAborts} client aborts after ${timeoutMs} ms, expected ${count}`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    get behaviour() {
      return behaviour;
    },
    setBehaviour: (next) => {
      behaviour = next;
    },
    enqueueBehaviours: (...behaviours) => {
      queued.push(...behaviours);
    },
    reset: () => {
      queued = [];
      requests = [];
      clientAborts = 0;
    },
    close: async () => {
      closing = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/** Given by a streaming answer: how the provider writes an error event into its stream. */
export interface StreamWriter {
  readonly error: (streamError: FakeStreamError) => void;
}

/**
 * Writes `tokens` one by one with the behaviour's delays; stops at `stallAfterTokens` (waits
 * for the connection to close) or `dropAfterTokens` (cuts it); when streaming, also at
 * `streamError.afterTokens` (writes the error event and ends) and `truncateAfterTokens` (ends).
 * Returns whether every token was written and the connection is still open, i.e. whether the
 * caller should finish the answer.
 */
export const playTokens = async (exchange: Exchange, tokens: readonly string[], write: (token: string, index: number) => void, stream?: StreamWriter): Promise<boolean> => {
  const { firstTokenDelayMs = 0, tokenDelayMs = 0, stallAfterTokens, dropAfterTokens, streamError, truncateAfterTokens } = exchange.behaviour;
  try {
    if (firstTokenDelayMs > 0) await delay(firstTokenDelayMs, undefined, { signal: exchange.closed });
    for (let index = 0; index <= tokens.length; index += 1) {
      if (index === stallAfterTokens) {
        if (!exchange.closed.aborted) await new Promise((resolve) => exchange.closed.addEventListener('abort', resolve, { once: true }));
        return false;
      }
      if (index === dropAfterTokens) {
        exchange.drop();
        return false;
      }
      if (stream && (index === streamError?.afterTokens || index === truncateAfterTokens)) {
        if (index === streamError?.afterTokens) stream.error(streamError);
        exchange.response.end();
        return false;
      }
      if (index === tokens.length) break;
      if (tokenDelayMs > 0) await delay(tokenDelayMs, undefined, { signal: exchange.closed });
      if (exchange.closed.aborted) return false;
      write(tokens[index]!, index);
    }
  } catch (error) {
    if (exchange.closed.aborted) return false; // the delay was cut by the connection closing
    throw error;
  }
  return !exchange.closed.aborted;
};

export const sendJson = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};
