// Chat end to end on the real services and processes, with a fake OpenAI-compatible provider
// generating (a local HTTP server speaking the real SSE wire format), so the tests measure the
// pipeline and not a model's speed. The real local model answers in chat-page.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeChatRequest, type FakeProviderServer } from '@rivulet/fake-providers';
import { api } from './support/api.js';
import { checkAnswer, connect } from './support/chat.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

/**
 * The fake answers from its prompt, so the tests can see what the prompt held: the title of
 * source [1], and how many earlier user turns the conversation memory carried.
 */
const answerFromPrompt = (request: FakeChatRequest): string => {
  const question = request.messages.at(-1)?.text ?? '';
  const source = /\[1\] ([^\n]+)/.exec(question)?.[1] ?? 'no source';
  const earlierTurns = request.messages.filter(({ role }) => role === 'user').length - 1;
  return `Turn ${earlierTurns + 1}: according to [1] ${source}, the answer is in the sources.`;
};

const bin = fileURLToPath(new URL('../../packages/cli/bin/rivulet.js', import.meta.url));

let fake: FakeProviderServer;
let pipeline: Pipeline;
before(async () => {
  fake = await startFakeOpenAI({ reply: answerFromPrompt });
  pipeline = await startPipeline({
    processes: ['ingress', 'ingestion', 'embedding', 'indexer', 'retrieval', 'generation', 'persistence'],
    extraTenants: 1,
    env: { CHAT_PROVIDER: 'openai-compatible', OPENAI_BASE_URL: fake.url, CHAT_MODEL: 'fake-chat', CHAT_REQUEST_TIMEOUT: '60s' },
  });
  const client = api(pipeline);
  await client.postText({ id: 'tides', title: 'Tides', text: 'Spring tides happen near new and full moon, when the sun and the moon pull along the same line, so high tides are higher.' });
  await client.postText({ id: 'kettles', title: 'Kettles', text: 'A kettle switches itself off when steam reaches a bimetallic strip, which bends and opens the contact.' });
  for (const id of ['tides', 'kettles']) assert.equal((await client.waitFor(id)).status, 'completed');
});
after(async () => {
  await pipeline?.close();
  await fake?.close();
});

const messagesOf = async (conversationId: string, apiKey = pipeline.apiKey) => {
  const response = await fetch(`${pipeline.url}/v1/conversations/${encodeURIComponent(conversationId)}/messages`, { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: response.status, body: (await response.json()) as { id: string; role: string; content: string; createdAt: string; tokens: number }[] };
};

const waitForMessages = async (conversationId: string, count: number) => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { body } = await messagesOf(conversationId);
    if (body.length >= count) return body;
    assert.ok(Date.now() < deadline, `conversation ${conversationId} has ${body.length} of ${count} messages`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

test('WebSocket: ack, sources naming the relevant document first, deltas, done; both turns stored; the next turn remembers', { timeout: 120_000 }, async () => {
  const client = await connect(pipeline.url, pipeline.apiKey);
  try {
    const first = checkAnswer(await client.chat({ id: 'q1', message: 'Why are spring tides higher?' }));
    assert.equal(first.sources[0]?.documentId, 'tides', `sources: ${JSON.stringify(first.sources)}`);
    assert.equal(first.sources[0]?.n, 1);
    assert.match(first.done.content, /^Turn 1: according to \[1\] Tides/);
    assert.equal(first.done.provider, 'openai-compatible');
    assert.equal(first.done.conversationId, first.ack.conversationId);
    assert.ok(first.done.usage.outputTokens > 0 && first.done.usage.inputTokens > 0, 'usage reported');

    const stored = await waitForMessages(first.ack.conversationId, 2);
    assert.deepEqual(stored.map(({ role }) => role), ['user', 'assistant']);
    assert.equal(stored[0]!.content, 'Why are spring tides higher?');
    assert.equal(stored[1]!.content, first.done.content);
    assert.equal(stored[1]!.id, first.done.messageId, 'done.messageId names the stored message');

    const second = checkAnswer(await client.chat({ id: 'q2', message: 'And how does a kettle switch off?', conversationId: first.ack.conversationId }));
    assert.equal(second.sources[0]?.documentId, 'kettles');
    assert.match(second.done.content, /^Turn 2: /, 'the prompt carried the earlier turn');
    const prompt = JSON.stringify((fake.requests.at(-1)!.body as { messages: unknown[] }).messages);
    assert.ok(prompt.includes('Why are spring tides higher?') && prompt.includes(JSON.stringify(first.done.content).slice(1, -1)), 'earlier question and answer in the prompt');
    assert.deepEqual((await waitForMessages(first.ack.conversationId, 4)).map(({ role }) => role), ['user', 'assistant', 'user', 'assistant']);
  } finally {
    client.close();
  }
});

test('the official openai SDK works unchanged against /v1: non-streaming, streaming, embeddings', { timeout: 120_000 }, async () => {
  const openai = new OpenAI({ baseURL: `${pipeline.url}/v1`, apiKey: pipeline.apiKey, maxRetries: 0 });
  const completion = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'What makes a kettle switch itself off?' }] });
  assert.match(completion.choices[0]!.message.content ?? '', /according to \[1\] Kettles/);
  assert.equal(completion.choices[0]!.finish_reason, 'stop');
  const extended = completion as unknown as { sources: { documentId: string }[]; conversation_id: string };
  assert.equal(extended.sources[0]?.documentId, 'kettles');
  assert.ok(extended.conversation_id);
  assert.ok(completion.usage!.completion_tokens > 0);

  const stream = await openai.chat.completions.create({ model: 'auto', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'When do spring tides happen?' }] });
  let text = '';
  let sources: { documentId: string }[] | undefined;
  let usage: unknown;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    const extra = chunk as unknown as { sources?: { documentId: string }[] };
    if (extra.sources) sources = extra.sources;
    if (chunk.usage) usage = chunk.usage;
  }
  assert.match(text, /according to \[1\] Tides/);
  assert.equal(sources?.[0]?.documentId, 'tides');
  assert.ok(usage, 'usage chunk with stream_options.include_usage');

  const embeddings = await openai.embeddings.create({ model: 'all-MiniLM-L6-v2', input: ['spring tides', 'kettles'] });
  assert.equal(embeddings.data.length, 2);
  assert.equal(embeddings.data[0]!.embedding.length, 384);
  const norm = Math.hypot(...embeddings.data[0]!.embedding);
  assert.ok(Math.abs(norm - 1) < 1e-3, `normalised vector (norm ${norm})`);
});

test('POST /v1/search returns the relevant chunk first, through the pipeline, without generating', { timeout: 60_000 }, async () => {
  const before = fake.requests.length;
  const response = await fetch(`${pipeline.url}/v1/search`, {
    method: 'POST', headers: { authorization: `Bearer ${pipeline.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'bimetallic strip bends', top_k: 2 }),
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { results: { documentId: string; score: number; snippet: string }[] };
  assert.equal(body.results[0]?.documentId, 'kettles');
  assert.ok(body.results.length <= 2);
  assert.ok(body.results[0].score >= (body.results[1]?.score ?? -1), 'best first');
  assert.equal(fake.requests.length, before, 'no model call for a search');
});

test('cancel mid-stream: error cancelled, and the provider sees its connection closed', { timeout: 60_000 }, async () => {
  fake.setBehaviour({ reply: answerFromPrompt, tokens: 400, tokenDelayMs: 20 });
  const client = await connect(pipeline.url, pipeline.apiKey);
  try {
    const abortsBefore = fake.clientAborts;
    client.send({ type: 'chat', id: 'long', message: 'Tell me everything about tides.' });
    await client.until(() => client.of('long').some((frame) => frame.type === 'delta'), 'the first delta');
    client.send({ type: 'cancel', id: 'long' });
    await client.until(() => client.of('long').some((frame) => frame.type === 'error'), 'the cancelled error');
    const error = client.of('long').find((frame) => frame.type === 'error')!;
    assert.equal(error.code, 'cancelled');
    assert.equal(error.retryable, false);
    await fake.waitForClientAborts(abortsBefore + 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(client.of('long').filter((frame) => frame.type === 'done' || frame.type === 'error').length, 1, 'one terminal frame');
  } finally {
    fake.setBehaviour({ reply: answerFromPrompt });
    client.close();
  }
});

test('a tenant never retrieves another tenant\'s chunks, nor reads its conversations', { timeout: 120_000 }, async () => {
  const other = pipeline.tenants[1]!;
  const otherApi = api({ ...pipeline, apiKey: other.apiKey });
  await otherApi.postText({ id: 'tides', title: 'Tides (other tenant)', text: 'Spring tides happen near new and full moon, when the sun and the moon pull along the same line, so low tides are lower.' });
  assert.equal((await otherApi.waitFor('tides')).status, 'completed');

  const mine = await connect(pipeline.url, pipeline.apiKey);
  const theirs = await connect(pipeline.url, other.apiKey);
  try {
    const answer = checkAnswer(await theirs.chat({ id: 't1', message: 'Why are spring tides special?', topK: 10 }));
    assert.ok(answer.sources.length >= 1);
    assert.ok(answer.sources.every(({ title }) => title === 'Tides (other tenant)'), `only the other tenant's chunks: ${JSON.stringify(answer.sources)}`);
    const ownAnswer = checkAnswer(await mine.chat({ id: 'm1', message: 'Why are spring tides special?', topK: 10 }));
    assert.ok(ownAnswer.sources.every(({ title }) => title !== 'Tides (other tenant)'));

    assert.equal((await messagesOf(answer.ack.conversationId, pipeline.apiKey)).status, 404, 'another tenant\'s conversation is not found');
    mine.send({ type: 'chat', id: 'steal', message: 'continue', conversationId: answer.ack.conversationId });
    await mine.until(() => mine.of('steal').some((frame) => frame.type === 'error'), 'not_found');
    assert.equal(mine.of('steal')[0]!.code, 'not_found');
  } finally {
    mine.close();
    theirs.close();
  }
});

test('bad input gets its error and the socket survives; an oversize frame closes it with 1009', { timeout: 60_000 }, async () => {
  const client = await connect(pipeline.url, pipeline.apiKey);
  client.socket.send('not json');
  client.send({ type: 'teleport', id: 'x1' });
  client.send({ type: 'chat', id: 'x2' });
  client.send({ type: 'chat', id: 'x3', message: 'a'.repeat(40_000) });
  client.send({ type: 'chat', id: 'x4', message: 'hi', topK: 500 });
  client.send({ type: 'ping' });
  await client.until(() => client.frames.some((frame) => frame.type === 'pong'), 'pong after the bad frames');
  await client.until(() => client.frames.filter((frame) => frame.type === 'error').length >= 5, 'five errors');
  const errors = client.frames.filter((frame) => frame.type === 'error');
  assert.ok(errors.every((frame) => frame.code === 'invalid_request'), JSON.stringify(errors));
  assert.deepEqual(errors.map((frame) => frame.id ?? null).sort(), [null, 'x1', 'x2', 'x3', 'x4'].sort());
  assert.match(String(errors.find((frame) => frame.id === 'x3')!.message), /32000/);
  assert.equal(client.closed(), undefined, 'still open');

  client.socket.send('x'.repeat(1024 * 1024 + 10));
  await client.until(() => client.closed() !== undefined, 'the close');
  assert.equal(client.closed()!.code, 1009);
});

test('`rivulet ask` streams the answer and then its sources to stdout, the conversation to stderr, and exits 0', { timeout: 60_000 }, async () => {
  const run = (args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [bin, 'ask', ...args, '--url', pipeline.url, '--api-key', pipeline.apiKey], { timeout: 50_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
  const first = await run(['How does a kettle switch itself off?']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /according to \[1\] Kettles/);
  assert.match(first.stdout, /Sources:\n\s+\[1\] Kettles \(kettles\)/);
  const conversation = /^conversation (\S+)/m.exec(first.stderr)?.[1];
  assert.ok(conversation, first.stderr);
  const second = await run(['And spring tides?', '--conversation', conversation]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^Turn 2: /, 'the conversation continued');
  const refused = await run(['x', '--conversation', 'no-such-conversation']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /error not_found/);
});
