// A client that stops reading while its answer streams: the ingress closes it with 1013 once
// WS_MAX_BUFFERED_BYTES wait unsent, instead of buffering the answer, and lets the answer
// complete (the request is abandoned, not cancelled, so generation and persistence go on).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { createLogger, createMetrics } from '@rivulet/observability';
import { staticApiKeyStore } from '../src/auth.js';
import type { ChatService } from '../src/chat/chat-service.js';
import type { ReplyListener } from '../src/chat/reply-router.js';
import type { DocumentService } from '../src/documents/document-service.js';
import { createIngressMetrics } from '../src/metrics.js';
import { StatusRouter } from '../src/status/status-router.js';
import { CLOSE_SLOW_CONSUMER } from '../src/ws/session.js';
import { createWebSocketEndpoint } from '../src/ws/websocket-endpoint.js';

const DELTA = 'x'.repeat(4096);
const DELTAS = 4000; // ~16 MiB of answer text
const CAP = 256 * 1024;

test('a client that stops reading is closed with 1013 past the buffer cap; its answer is abandoned, not cancelled', { timeout: 60_000 }, async () => {
  const abandoned: string[] = [];
  const cancelled: string[] = [];
  let pumped = 0;
  let pumping: Promise<void> | undefined;
  const chat: ChatService = {
    submit: (_principal, _submission, listener: ReplyListener) => Promise.resolve({
      requestId: 'request-1', conversationId: 'conversation-1',
      open: () => {
        // The pipeline keeps producing whatever the client does.
        pumping = (async () => {
          listener.sources([]);
          for (let index = 0; index < DELTAS; index += 1) {
            listener.delta(DELTA);
            pumped += DELTA.length;
            if (index % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
          }
        })();
      },
    }),
    cancel: (requestId) => (cancelled.push(requestId), Promise.resolve(true)),
    abandon: (requestId) => void abandoned.push(requestId),
  };
  const endpoint = createWebSocketEndpoint({
    auth: staticApiKeyStore([{ tenantId: 'tenant', key: 'key-for-tests' }]), documents: {} as DocumentService, chat, router: new StatusRouter(),
    logger: createLogger({ name: 'test', level: 'silent' }), ingressMetrics: createIngressMetrics(createMetrics()), isAccepting: () => true,
    maxFrameBytes: 1024 * 1024, maxBufferedBytes: CAP, authTimeoutMs: 1000,
  });
  const server = createServer();
  server.on('upgrade', endpoint.handleUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const client = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`, { headers: { authorization: 'Bearer key-for-tests' } });
    let received = 0;
    let acked = false;
    client.on('message', (data: Buffer) => {
      received += data.length;
      if ((JSON.parse(data.toString()) as { type: string }).type === 'ack') acked = true;
    });
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    await new Promise((resolve) => client.once('open', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.pause();
    client.send(JSON.stringify({ type: 'chat', id: 'c1', message: 'Tell me a very long story.' }));
    while (pumping === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    await pumping;
    assert.equal(pumped, DELTAS * DELTA.length);
    client.resume();
    assert.equal(await closed, CLOSE_SLOW_CONSUMER);
    assert.ok(acked, 'the ack arrived before the close');
    // What reached the client is what fit in the cap and the kernel's socket buffers: far from the whole answer.
    assert.ok(received < pumped / 2, `received ${received} of ${pumped} bytes`);
    for (let waited = 0; abandoned.length === 0 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(abandoned, ['request-1'], 'the request was abandoned when the server closed the socket');
    assert.deepEqual(cancelled, [], 'and not cancelled: generation and persistence go on');
  } finally {
    await endpoint.close();
    server.close();
  }
});
