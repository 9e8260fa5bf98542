// The benchmark's HTTP server: one route answering a small fixed JSON body. In `checked` mode it
// first runs the gateway's checks (auth, rate limit, budget reserve and settle); in `bare` mode it
// answers at once. The requests are byte-for-byte the same in both modes (the client always sends
// the Authorization header), so the difference between the modes is the checks and nothing else.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Mode = 'bare' | 'checked';

export const ROUTE = '/v1/bench/answer';

/** What a small non-streaming answer looks like; the same bytes every time. */
const BODY = Buffer.from(JSON.stringify({ id: 'bench', object: 'answer', content: 'The gateway answered this request.', usage: { inputTokens: 200, outputTokens: 100 } }));

export interface GatewayServerOptions {
  /** The checks of one request; rejects to refuse it. */
  check: (authorization: string | undefined, requestId: string) => Promise<void>;
  /** Names request ids (reservation ids must be unique). */
  run: string;
}

export interface GatewayServer {
  url: string;
  setMode(mode: Mode): void;
  /** Requests answered with an error since start, and the first few messages. */
  failures(): { count: number; messages: string[] };
  close(): Promise<void>;
}

export const startGatewayServer = async ({ check, run }: GatewayServerOptions): Promise<GatewayServer> => {
  let mode: Mode = 'bare';
  let sequence = 0;
  let failed = 0;
  const messages: string[] = [];

  const answer = (response: ServerResponse): void => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
    response.end(BODY);
  };
  const fail = (response: ServerResponse, error: unknown): void => {
    failed += 1;
    const message = (error as Error).message ?? String(error);
    if (messages.length < 5) messages.push(message);
    const body = JSON.stringify({ error: message });
    response.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.url !== ROUTE) {
      response.writeHead(404).end();
      return;
    }
    if (mode === 'bare') {
      answer(response);
      return;
    }
    check(request.headers.authorization, `${run}-${++sequence}`).then(() => answer(response), (error: unknown) => fail(response, error));
  });
  // The client keeps its connections between rounds, which may be seconds apart.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${ROUTE}`,
    setMode: (next) => {
      mode = next;
    },
    failures: () => ({ count: failed, messages: [...messages] }),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
};
