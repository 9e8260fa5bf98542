// Helpers of the router tests: configurations over the fake providers, and reading a routed stream.
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FakeProviderServer } from '@rivulet/fake-providers';
import { parseRouterConfig, type AttemptEnd, type FailoverInfo, type RouterConfig, type RouterEnd, type RouterObserver, type RouterStreamEvent } from '../../src/index.js';

export const testKey = 'sk-router-test';

/** A deployment on a fake: `name` is also its model id with `model-` before it. */
export const on = (name: string, provider: 'openai' | 'anthropic' | 'openai-compatible', url: string, extra: Record<string, unknown> = {}) => ({
  name, provider, model: `model-${name}`, baseUrl: url, ...(provider === 'openai-compatible' ? {} : { apiKeyEnv: 'ROUTER_TEST_KEY' }), ...extra,
});

export const openaiOn = (name: string, server: FakeProviderServer, extra: Record<string, unknown> = {}) => on(name, 'openai', server.url, extra);
export const anthropicOn = (name: string, server: FakeProviderServer, extra: Record<string, unknown> = {}) => on(name, 'anthropic', server.url, extra);

/** One router model, `chat`, with these deployments (priorities 0, 1, 2... in the order given unless set) and short timeouts. */
export const chatConfig = (deployments: Record<string, unknown>[], overrides: Record<string, unknown> = {}): RouterConfig =>
  parseRouterConfig({
    defaultModel: 'chat',
    models: { chat: { deployments: deployments.map((deployment, index) => ({ priority: index, ...deployment })) } },
    timeouts: { connectMs: 1_000, firstTokenMs: 2_000, idleMs: 300 },
    retry: { maxRetryAfterMs: 1_000 },
    breaker: { windowMs: 60_000, minRequests: 100, failureRatio: 0.5, cooldownMs: 30_000 },
    ...overrides,
  }, { env: { ROUTER_TEST_KEY: testKey } });

export interface Routed {
  events: RouterStreamEvent[];
  text: string;
  failovers: FailoverInfo[];
  end: RouterEnd | undefined;
  error: unknown;
  /** Indexes of the failover markers among the events. */
  markerAt: number[];
}

/** Reads a routed stream to its end or failure; checks nothing follows `end`. */
export const route = async (stream: AsyncIterable<RouterStreamEvent>, onEvent?: (event: RouterStreamEvent, index: number) => void): Promise<Routed> => {
  const events: RouterStreamEvent[] = [];
  let error: unknown;
  try {
    for await (const event of stream) {
      if (events.at(-1)?.type === 'end') throw new Error('an event after end');
      events.push(event);
      onEvent?.(event, events.length);
    }
  } catch (caught) {
    error = caught;
  }
  const text = events.map((event) => (event.type === 'delta' ? event.text : '')).join('');
  const failovers = events.flatMap((event) => (event.type === 'failover' ? [{ from: event.from, to: event.to, reason: event.reason, afterOutput: event.afterOutput }] : []));
  const markerAt = events.flatMap((event, index) => (event.type === 'failover' ? [index] : []));
  const end = events.find((event): event is RouterEnd => event.type === 'end');
  return { events, text, failovers, end, error, markerAt };
};

/** An observer that records what it is told. */
export const recordingObserver = () => {
  const seen = { attempts: [] as string[], ends: [] as AttemptEnd[], failovers: [] as FailoverInfo[], breakers: [] as string[], storeErrors: [] as unknown[] };
  const observer: RouterObserver = {
    onAttempt: (attempt) => seen.attempts.push(attempt.deployment),
    onAttemptEnd: (end) => seen.ends.push(end),
    onFailover: (failover) => seen.failovers.push(failover),
    onBreakerChange: ({ deployment, state }) => seen.breakers.push(`${deployment}:${state}`),
    onBreakerStoreError: (error) => seen.storeErrors.push(error),
  };
  return { observer, seen };
};

/** A URL on a port where nothing listens (connections are refused). */
export const refusingUrl = async (path = '/v1'): Promise<string> => {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}${path}`;
};

/** A TCP server that accepts connections and never answers: `url` and `close`. */
export const silentServer = async (path = '/v1'): Promise<{ url: string; accepted: () => number; close: () => Promise<void> }> => {
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let accepted = 0;
  server.on('connection', () => (accepted += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};

export const question = [{ role: 'system', content: 'You answer in one sentence.' }, { role: 'user', content: 'What is Kafka?' }] as const;
