import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Command } from 'commander';
import { WebSocketServer } from 'ws';
import {
  chatRequestOf, createAskSession, registerAskCommand, runAsk, webSocketUrlOf,
  type AskEffect, type AskOptions, type ChatRequest, type CommandAction,
} from '../src/commands/ask.js';

const request: ChatRequest = { id: 'q1', message: 'What is Kafka?' };

/** Feeds events to a session and collects what it asked for. */
const drive = (options: { request?: ChatRequest; json?: boolean } = {}) => {
  const session = createAskSession({ request: options.request ?? request, json: options.json });
  const output = { stdout: '', stderr: '', sent: [] as Record<string, unknown>[], exit: undefined as number | undefined };
  const apply = (effects: AskEffect[]): void => {
    for (const effect of effects) {
      if (effect.type === 'stdout') output.stdout += effect.text;
      else if (effect.type === 'stderr') output.stderr += effect.text;
      else if (effect.type === 'send') output.sent.push(effect.frame);
      else {
        assert.equal(output.exit, undefined, 'exits once');
        output.exit = effect.code;
      }
    }
  };
  return {
    session, output,
    receive: (...frames: object[]) => frames.forEach((frame) => apply(session.receive(frame))),
    interrupt: () => apply(session.interrupt()),
    closed: (code: number, reason = '') => apply(session.closed(code, reason)),
  };
};

const sources = [
  { n: 1, documentId: 'kafka.md', chunkId: 'c1', title: 'Kafka basics', score: 0.91234, snippet: 'Kafka is a log.' },
  { n: 2, documentId: 'notes.txt', chunkId: 'c2', title: '', score: 0.5, snippet: 'Partitions.' },
];
const done = {
  type: 'done', id: 'q1', conversationId: 'conv-9', messageId: 'm1', content: 'Kafka is a distributed log [1].',
  model: 'llama-3', provider: 'local', usage: { inputTokens: 120, outputTokens: 9 }, latencyMs: 1500,
};

test('the chat frame goes out after ready, with only the fields that were given', () => {
  const run = drive({ request: { ...request, conversationId: 'conv-1', collection: 'docs', topK: 5, rag: false, model: undefined } });
  run.receive({ type: 'ack', id: 'q1', requestId: 'r', conversationId: 'x' });
  assert.deepEqual(run.output.sent, [], 'nothing is sent before ready');
  run.receive({ type: 'ready', sessionId: 's', tenant: 't' });
  assert.deepEqual(run.output.sent, [{ type: 'chat', id: 'q1', message: 'What is Kafka?', conversationId: 'conv-1', collection: 'docs', topK: 5, rag: false }]);
});

test('deltas stream in seq order: early ones wait for the gap, repeats are dropped, other ids ignored', () => {
  const run = drive();
  run.receive({ type: 'ready' }, { type: 'ack', id: 'q1', conversationId: 'conv-9' }, { type: 'sources', id: 'q1', sources: [] });
  run.receive({ type: 'delta', id: 'q1', seq: 0, content: 'Kafka ' });
  assert.equal(run.output.stdout, 'Kafka ');
  run.receive({ type: 'delta', id: 'q1', seq: 2, content: 'log' });
  assert.equal(run.output.stdout, 'Kafka ', 'seq 2 waits for seq 1');
  run.receive({ type: 'delta', id: 'other', seq: 1, content: 'NOT MINE ' });
  run.receive({ type: 'delta', id: 'q1', seq: 1, content: 'is a ' }, { type: 'delta', id: 'q1', seq: 1, content: 'is a ' });
  assert.equal(run.output.stdout, 'Kafka is a log');
  assert.equal(run.output.exit, undefined);
});

test('done completes the text, lists the sources on stdout and the conversation, model and latency on stderr', () => {
  const run = drive();
  run.receive({ type: 'ready' }, { type: 'ack', id: 'q1', conversationId: 'conv-9' }, { type: 'sources', id: 'q1', sources });
  run.receive({ type: 'delta', id: 'q1', seq: 0, content: 'Kafka is ' }, done);
  assert.equal(run.output.stdout, 'Kafka is a distributed log [1].\n\nSources:\n  [1] Kafka basics (kafka.md) 0.912\n  [2] notes.txt 0.500\n');
  assert.match(run.output.stderr, /model llama-3 \(local\) · 1\.5 s · 120 in \/ 9 out tokens/);
  assert.match(run.output.stderr, /conversation conv-9 \(continue with --conversation conv-9\)/);
  assert.equal(run.output.exit, 0);
  assert.equal(run.session.conversationId, 'conv-9');
  run.receive({ type: 'delta', id: 'q1', seq: 1, content: 'late' });
  assert.doesNotMatch(run.output.stdout, /late/, 'nothing after done');
});

test('reset prints a notice on stderr and starts the text over from seq 0', () => {
  const run = drive();
  run.receive({ type: 'ready' }, { type: 'ack', id: 'q1' }, { type: 'sources', id: 'q1', sources: [] });
  run.receive({ type: 'delta', id: 'q1', seq: 0, content: 'Half an ans' }, { type: 'delta', id: 'q1', seq: 2, content: 'held back' });
  run.receive({ type: 'reset', id: 'q1' });
  assert.match(run.output.stderr, /regenerated/);
  run.receive({ type: 'delta', id: 'q1', seq: 0, content: 'Kafka is a ' }, { type: 'delta', id: 'q1', seq: 1, content: 'distributed log [1].' }, done);
  assert.equal(run.output.stdout, 'Half an ans\nKafka is a distributed log [1].\n');
  assert.equal(run.output.exit, 0);
});

test('a final answer that differs from the streamed text is printed in full', () => {
  const run = drive();
  run.receive({ type: 'ready' }, { type: 'delta', id: 'q1', seq: 0, content: 'Something else' }, done);
  assert.equal(run.output.stdout, 'Something else\nKafka is a distributed log [1].\n');
  assert.match(run.output.stderr, /differs/);
});

test('an error frame prints `error <code>: <message>` and exits 1', () => {
  const run = drive();
  run.receive({ type: 'ready' }, { type: 'ack', id: 'q1' }, { type: 'delta', id: 'q1', seq: 0, content: 'Par' });
  run.receive({ type: 'error', id: 'q1', code: 'rate_limited', message: 'Too many requests.', retryable: true, retryAfterMs: 2000 });
  assert.equal(run.output.stdout, 'Par\n');
  assert.equal(run.output.stderr, 'error rate_limited: Too many requests. (retry after 2.0 s)\n');
  assert.equal(run.output.exit, 1);
});

test('errors for other ids are ignored; errors without an id end the session', () => {
  const run = drive();
  run.receive({ type: 'ready' }, { type: 'error', id: 'someone-else', code: 'timeout', message: 'x', retryable: true });
  assert.equal(run.output.exit, undefined);
  run.receive({ type: 'error', code: 'invalid_request', message: 'Unknown frame type.', retryable: false });
  assert.equal(run.output.exit, 1);
  assert.match(run.output.stderr, /^error invalid_request: Unknown frame type\.$/m);
});

test('Ctrl-C sends cancel and exits 130 on the cancelled error; a second Ctrl-C quits at once', () => {
  const run = drive();
  run.receive({ type: 'ready' }, { type: 'delta', id: 'q1', seq: 0, content: 'Kaf' });
  run.interrupt();
  assert.deepEqual(run.output.sent.at(-1), { type: 'cancel', id: 'q1' });
  assert.equal(run.output.exit, undefined);
  run.receive({ type: 'error', id: 'q1', code: 'cancelled', message: 'Cancelled by the client.', retryable: false });
  assert.equal(run.output.exit, 130);

  const impatient = drive();
  impatient.receive({ type: 'ready' });
  impatient.interrupt();
  impatient.interrupt();
  assert.equal(impatient.output.exit, 130);

  const early = drive();
  early.interrupt();
  assert.equal(early.output.exit, 130, 'before the question went out there is nothing to cancel');
  assert.deepEqual(early.output.sent, []);
});

test('a close with 4401 says the API key was refused; other closes before done fail too', () => {
  const refused = drive();
  refused.closed(4401, 'unauthorized: unknown or revoked API key');
  assert.match(refused.output.stderr, /^error unauthorized: .*--api-key/);
  assert.equal(refused.output.exit, 1);

  const dropped = drive();
  dropped.receive({ type: 'ready' }, { type: 'delta', id: 'q1', seq: 0, content: 'Kaf' });
  dropped.closed(1006);
  assert.equal(dropped.output.stdout, 'Kaf\n');
  assert.match(dropped.output.stderr, /connection_closed.*1006/);
  assert.equal(dropped.output.exit, 1);
});

test('--json prints only the done frame, with its sources, as one JSON line', () => {
  const run = drive({ json: true });
  run.receive({ type: 'ready' }, { type: 'sources', id: 'q1', sources }, { type: 'delta', id: 'q1', seq: 0, content: 'Kafka is ' }, { type: 'reset', id: 'q1' }, done);
  const lines = run.output.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0]!), { ...done, sources });
  assert.equal(run.output.exit, 0);
});

test('flags are checked into a chat request; bad ones are usage errors', () => {
  assert.deepEqual(chatRequestOf(['What', 'is', 'Kafka?'], { topK: '7', rag: false, collection: 'docs', conversation: 'c1' }, 'id1'), {
    id: 'id1', message: 'What is Kafka?', conversationId: 'c1', collection: 'docs', topK: 7, rag: false, model: undefined,
  });
  assert.equal((chatRequestOf(['hi'], { rag: true }, 'id1') as ChatRequest).rag, undefined, 'rag is only sent to turn it off');
  for (const topK of ['0', '51', '2.5', 'many']) assert.match(chatRequestOf(['hi'], { topK }) as string, /--top-k/);
  assert.match(chatRequestOf(['  '], {}) as string, /Give a question/);
  assert.match(chatRequestOf(['x'.repeat(32_001)], {}) as string, /at most 32000/);
});

test('the WebSocket URL follows the ingress base URL', () => {
  assert.equal(webSocketUrlOf('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/v1/ws');
  assert.equal(webSocketUrlOf('https://rivulet.example/base/'), 'wss://rivulet.example/base/v1/ws');
});

test('registerAskCommand parses the question and flags', async () => {
  let received: unknown[] = [];
  // An action that records what the command would run with, instead of connecting.
  const record: CommandAction = () => (...args) => {
    received = args;
    return Promise.resolve();
  };
  const program = new Command('rivulet').exitOverride();
  registerAskCommand(program, record);
  await program.parseAsync(['node', 'rivulet', 'ask', 'what', 'is', 'kafka', '--top-k', '5', '--no-rag', '--conversation', 'c7', '-c', 'docs', '--json']);
  const [words, options] = received as [string[], AskOptions];
  assert.deepEqual(words, ['what', 'is', 'kafka']);
  assert.deepEqual({ ...options }, { topK: '5', rag: false, conversation: 'c7', collection: 'docs', json: true, timeout: '5m' });
});

test('runAsk sends the key as a Bearer header and streams a real socket\'s frames to stdout', async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  let authorization: string | undefined;
  server.on('connection', (socket, upgrade) => {
    authorization = upgrade.headers.authorization;
    socket.send(JSON.stringify({ type: 'ready', sessionId: 's', tenant: 'default' }));
    socket.on('message', (data) => {
      const chat = JSON.parse((data as Buffer).toString('utf8')) as { id: string; message: string };
      const frames = [
        { type: 'ack', id: chat.id, requestId: 'r', conversationId: 'conv-9' },
        { type: 'sources', id: chat.id, sources },
        { type: 'delta', id: chat.id, seq: 0, content: 'Kafka is a ' },
        { type: 'delta', id: chat.id, seq: 1, content: 'distributed log [1].' },
        { ...done, id: chat.id },
      ];
      for (const frame of frames) socket.send(JSON.stringify(frame));
    });
  });
  try {
    let stdout = '';
    let stderr = '';
    const code = await runAsk({
      webSocketUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/ws`, apiKey: 'secret-key', request, timeoutMs: 10_000,
      stdout: (text) => (stdout += text), stderr: (text) => (stderr += text),
    });
    assert.equal(code, 0, stderr);
    assert.equal(authorization, 'Bearer secret-key');
    assert.match(stdout, /^Kafka is a distributed log \[1\]\.\n\nSources:\n {2}\[1\] Kafka basics \(kafka\.md\) 0\.912\n/);
    assert.match(stderr, /conversation conv-9/);
  } finally {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('runAsk exits 1 with a clear message when nothing listens', async () => {
  let stderr = '';
  const code = await runAsk({ webSocketUrl: 'ws://127.0.0.1:9/v1/ws', apiKey: 'k', request, timeoutMs: 10_000, stderr: (text) => (stderr += text) });
  assert.equal(code, 1);
  assert.match(stderr, /cannot reach the ingress/);
});
