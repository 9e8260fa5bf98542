// Several instances of everything: two ingresses and two of each chat worker, on the real
// services, with a fake OpenAI-compatible provider generating. Replies must find the socket's
// instance, conversation memory must follow the conversation across instances, and a worker
// killed mid-stream must never leave a client in silence.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOpenAI, type FakeChatRequest, type FakeProviderServer } from '@rivulet/fake-providers';
import { api } from './support/api.js';
import { checkAnswer, connect, type ChatClient, type Frame } from './support/chat.js';
import { asTenant, database } from './support/local.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

/** Answers with the number of user turns the prompt carried, and which generation instance asked (its model name). */
const answer = (request: FakeChatRequest): string => {
  const turns = request.messages.filter(({ role }) => role === 'user').length;
  return `Turn ${turns} answered by ${request.model}.`;
};

let fake: FakeProviderServer;
let pipeline: Pipeline;
before(async () => {
  fake = await startFakeOpenAI({ reply: answer });
  pipeline = await startPipeline({
    processes: ['ingress', 'ingestion', 'indexer', 'embedding', 'retrieval', 'persistence', 'embedding#2', 'retrieval#2', 'persistence#2'],
    env: { CHAT_PROVIDER: 'openai-compatible', OPENAI_BASE_URL: fake.url, CHAT_REQUEST_TIMEOUT: '90s' },
  });
  // Each generation instance names a different model, so the fake knows which one is streaming.
  await pipeline.start('generation', { CHAT_MODEL: 'gen-a' });
  await pipeline.start('generation#2', { CHAT_MODEL: 'gen-b' });
  await pipeline.start('ingress#2');
  const client = api(pipeline);
  await client.postText({ id: 'lighthouses', title: 'Lighthouses', text: 'A lighthouse lens focuses the lamp into a beam that sailors can see from far away.' });
  assert.equal((await client.waitFor('lighthouses')).status, 'completed');
});
after(async () => {
  await pipeline?.close();
  await fake?.close();
});

test('50 conversations of 3 turns through two ingresses: one terminal event per turn on its socket, memory across instances, no duplicate rows', { timeout: 300_000 }, async () => {
  const ingresses = [pipeline.ingressUrl('ingress')!, pipeline.ingressUrl('ingress#2')!];
  const conversations = 50;
  const sockets: ChatClient[][] = [];
  for (let index = 0; index < conversations; index += 1) sockets.push(await Promise.all(ingresses.map((url) => connect(url, pipeline.apiKey))));
  try {
    const results = await Promise.all(sockets.map(async (pair, index) => {
      let conversationId: string | undefined;
      const answers: string[] = [];
      for (let turn = 1; turn <= 3; turn += 1) {
        // Turns alternate between the ingresses: memory must not depend on the instance.
        const client = pair[(index + turn) % 2]!;
        const id = `c${index}-t${turn}`;
        const frames = await client.chat({ id, message: `Question ${turn} of conversation ${index} about lighthouses?`, ...(conversationId ? { conversationId } : {}) }, 120_000);
        const { ack, done } = checkAnswer(frames);
        conversationId ??= ack.conversationId;
        assert.equal(done.conversationId, conversationId);
        assert.match(done.content, new RegExp(`^Turn ${turn} answered by gen-[ab]\\.$`), `conversation ${index} turn ${turn}: ${done.content}`);
        answers.push(done.content);
      }
      return { conversationId: conversationId!, answers };
    }));

    // Nothing arrived on the wrong socket, and nothing arrived twice.
    for (const [index, pair] of sockets.entries()) {
      for (const [side, client] of pair.entries()) {
        const ids = new Set(client.frames.filter((frame) => frame.id !== undefined).map((frame) => frame.id));
        const expected = [1, 2, 3].filter((turn) => (index + turn) % 2 === side).map((turn) => `c${index}-t${turn}`);
        assert.deepEqual([...ids].sort(), expected.sort(), `socket ${index}/${side} saw only its own chats`);
        for (const id of expected) assert.equal(client.of(id).filter((frame: Frame) => frame.type === 'done' || frame.type === 'error').length, 1);
      }
    }

    const pool = database();
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { rows } = await asTenant<{ count: string }>(pool, pipeline.tenant, 'SELECT count(*) FROM messages WHERE tenant_id = $1', [pipeline.tenant]);
        if (Number(rows[0]!.count) >= conversations * 6) break;
        assert.ok(Date.now() < deadline, `${rows[0]!.count} of ${conversations * 6} messages stored`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const { rows: duplicates } = await asTenant(pool, pipeline.tenant, 'SELECT request_id, role, count(*) FROM messages WHERE tenant_id = $1 GROUP BY 1, 2 HAVING count(*) > 1', [pipeline.tenant]);
      assert.deepEqual(duplicates, [], 'no duplicate message rows');
      const { rows: total } = await asTenant<{ count: string }>(pool, pipeline.tenant, 'SELECT count(*) FROM messages WHERE tenant_id = $1', [pipeline.tenant]);
      assert.equal(Number(total[0]!.count), conversations * 6);
    } finally {
      await pool.end();
    }
    for (const { conversationId, answers } of results) {
      const response = await fetch(`${pipeline.url}/v1/conversations/${conversationId}/messages`, { headers: { authorization: `Bearer ${pipeline.apiKey}` } });
      const messages = (await response.json()) as { role: string; content: string }[];
      assert.deepEqual(messages.map(({ role }) => role), ['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
      assert.deepEqual(messages.filter(({ role }) => role === 'assistant').map(({ content }) => content), answers, 'history in order');
    }
  } finally {
    for (const pair of sockets) for (const client of pair) client.close();
  }
});

test('SIGKILL the generation worker that is streaming: the client gets the regenerated answer (after a reset) or a retryable error, and at most one stored answer', { timeout: 180_000 }, async () => {
  fake.setBehaviour({ reply: answer, tokens: 120, tokenDelayMs: 25 });
  const client = await connect(pipeline.url, pipeline.apiKey);
  try {
    const requestsBefore = fake.requests.length;
    client.send({ type: 'chat', id: 'doomed', message: 'Explain lighthouse lenses at length.', rag: false });
    await client.until(() => client.of('doomed').filter((frame) => frame.type === 'delta').length >= 3, 'some deltas');
    const streaming = (fake.requests.slice(requestsBefore).at(-1)!.body as { model: string }).model;
    const victim = streaming === 'gen-a' ? 'generation' : 'generation#2';
    await pipeline.stop(victim, 'SIGKILL');

    await client.until(() => client.of('doomed').some((frame) => frame.type === 'done' || frame.type === 'error'), 'the terminal frame', 120_000);
    const frames = client.of('doomed');
    const terminal = frames.filter((frame) => frame.type === 'done' || frame.type === 'error');
    assert.equal(terminal.length, 1, 'exactly one terminal frame');
    const end = terminal[0]!;
    if (end.type === 'error') {
      assert.equal(end.retryable, true, `a retryable error: ${JSON.stringify(end)}`);
    } else {
      const resetAt = frames.findLastIndex((frame) => frame.type === 'reset');
      assert.ok(resetAt > 0, 'the regeneration was announced');
      const after = frames.slice(resetAt).filter((frame) => frame.type === 'delta').map((frame) => frame.content).join('');
      assert.equal(after, end.content, 'the text after the reset is the whole answer');
      const deltas = frames.filter((frame) => frame.type === 'delta');
      assert.deepEqual(deltas.map((frame) => frame.seq), deltas.map((_, index) => index), 'seq stays gap-free across the reset');
      assert.match(String(end.content), /answered by gen-[ab]/);
    }
    const pool = database();
    try {
      const ack = frames.find((frame) => frame.type === 'ack') as Frame & { requestId: string };
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const { rows } = await asTenant<{ count: string }>(pool, pipeline.tenant, "SELECT count(*) FROM messages WHERE tenant_id = $1 AND request_id = $2 AND role = 'assistant'", [pipeline.tenant, ack.requestId]);
      assert.ok(Number(rows[0]!.count) <= 1, `${rows[0]!.count} stored answers`);
      if (end.type === 'done') assert.equal(Number(rows[0]!.count), 1, 'the regenerated answer is stored');
    } finally {
      await pool.end();
    }
  } finally {
    fake.setBehaviour({ reply: answer });
    client.close();
  }
});
