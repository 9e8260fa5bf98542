import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { startFakeOpenAI } from '../src/index.js';
import { parseEvents, post, readEvents } from './support/sse.js';
import type { OpenAIChunk, OpenAICompletion, OpenAIErrorBody } from './support/wire.js';

const server = await startFakeOpenAI({ apiKey: 'sk-fake' });
after(() => server.close());
beforeEach(() => {
  server.reset();
  server.setBehaviour({});
});

const auth = { authorization: 'Bearer sk-fake' };
const completions = `${server.url}/chat/completions`;
const question = { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is Kafka?' }] };
const chunksOf = (text: string) => parseEvents(text).filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data) as OpenAIChunk);

test('streams chat.completion.chunk events: a role chunk, one chunk per token, a finish chunk, a usage chunk, then [DONE]', async () => {
  server.setBehaviour({ reply: 'Kafka is a distributed log.' });
  const response = await post(completions, { ...question, stream: true, stream_options: { include_usage: true } }, { headers: auth });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await response.text();
  const events = parseEvents(text);
  assert.equal(events.at(-1)!.data, '[DONE]');
  assert.ok(events.every((event) => event.event === undefined), 'OpenAI sends data-only events');
  const chunks = chunksOf(text);
  assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'gpt-4o-mini' && chunk.id === chunks[0]!.id));
  assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '', refusal: null });
  const contents = chunks.slice(1, -2).map((chunk) => chunk.choices[0]!.delta.content);
  assert.deepEqual(contents, ['Kafka', ' is', ' a', ' distributed', ' log.']);
  assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null), 'usage: null on every chunk but the last');
  assert.equal(chunks.at(-2)!.choices[0]!.finish_reason, 'stop');
  assert.deepEqual(chunks.at(-1)!.choices, []);
  assert.equal(chunks.at(-1)!.usage!.prompt_tokens, 5, 'words of both messages');
  assert.equal(chunks.at(-1)!.usage!.completion_tokens, 5);
  assert.equal(chunks.at(-1)!.usage!.total_tokens, 10);
  assert.deepEqual(server.requests.map((request) => [request.method, request.path]), [['POST', '/v1/chat/completions']]);
  assert.deepEqual((server.requests[0]!.body as { messages: unknown }).messages, question.messages);
});

test('without stream_options.include_usage there is no usage at all; stream false gives one chat.completion', async () => {
  const streamed = chunksOf(await (await post(completions, { ...question, stream: true }, { headers: auth })).text());
  assert.ok(streamed.every((chunk) => !('usage' in chunk)));
  assert.equal(streamed.at(-1)!.choices[0]!.finish_reason, 'stop');
  const response = await post(completions, question, { headers: auth });
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await response.json()) as OpenAICompletion;
  assert.equal(body.object, 'chat.completion');
  assert.deepEqual(body.choices[0]!.message.content, 'Hello from the fake model.');
  assert.equal(body.choices[0]!.finish_reason, 'stop');
  assert.deepEqual(body.usage, { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });
});

test('a reply function sees the request; tokens sets the count; max_completion_tokens cuts with finish_reason length', async () => {
  server.setBehaviour({ reply: (request) => `You asked: ${request.messages.at(-1)!.text}` });
  const echoed = await (await post(completions, question, { headers: auth })).json() as OpenAICompletion;
  assert.equal(echoed.choices[0]!.message.content, 'You asked: What is Kafka?');
  server.setBehaviour({ tokens: 200 });
  const long = chunksOf(await (await post(completions, { ...question, stream: true }, { headers: auth })).text());
  assert.equal(long.filter((chunk) => typeof chunk.choices[0]?.delta?.content === 'string' && chunk.choices[0].delta.content !== '').length, 200);
  const cut = chunksOf(await (await post(completions, { ...question, stream: true, max_completion_tokens: 7 }, { headers: auth })).text());
  assert.equal(cut.filter((chunk) => chunk.choices[0]?.delta?.content).length, 7);
  assert.equal(cut.at(-1)!.choices[0]!.finish_reason, 'length');
  const cutByMaxTokens = await (await post(completions, { ...question, max_tokens: 3 }, { headers: auth })).json() as OpenAICompletion;
  assert.equal(cutByMaxTokens.choices[0]!.message.content, 'Hello from the');
  assert.equal(cutByMaxTokens.choices[0]!.finish_reason, 'length');
});

test('fail answers the status with OpenAI\'s error body and Retry-After', async () => {
  server.setBehaviour({ fail: { status: 429, retryAfterSeconds: 3 } });
  const limited = await post(completions, question, { headers: auth });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '3');
  assert.deepEqual(await limited.json(), { error: { message: 'Rate limit reached for requests. Please try again later.', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
  server.setBehaviour({ fail: { status: 500, message: 'boom' } });
  const broken = await post(completions, { ...question, stream: true }, { headers: auth });
  assert.equal(broken.status, 500);
  assert.deepEqual(await broken.json(), { error: { message: 'boom', type: 'server_error', param: null, code: null } });
  assert.equal(broken.headers.get('retry-after'), null);
});

test('a wrong key is 401, a bad body 400, an unknown path 404, all in the error body shape', async () => {
  const unauthorized = await post(completions, question, { headers: { authorization: 'Bearer wrong' } });
  assert.equal(unauthorized.status, 401);
  assert.equal(((await unauthorized.json()) as OpenAIErrorBody).error.code, 'invalid_api_key');
  const bad = await post(completions, { model: 'gpt-4o-mini' }, { headers: auth });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as OpenAIErrorBody).error.type, 'invalid_request_error');
  const missing = await post(`${server.url}/nothing`, question, { headers: auth });
  assert.equal(missing.status, 404);
});

test('tokenDelayMs paces the stream; firstTokenDelayMs holds the first token', async () => {
  server.setBehaviour({ tokens: 5, tokenDelayMs: 40, firstTokenDelayMs: 100 });
  const started = Date.now();
  await (await post(completions, { ...question, stream: true }, { headers: auth })).text();
  assert.ok(Date.now() - started >= 290, `took ${Date.now() - started} ms`);
});

test('stallAfterTokens sends k tokens then nothing; the client closing is counted as a client abort', async () => {
  server.setBehaviour({ tokens: 10, stallAfterTokens: 2 });
  const controller = new AbortController();
  const response = await post(completions, { ...question, stream: true }, { headers: auth, signal: controller.signal });
  const reader = response.body!.getReader();
  const events = await readEvents(reader, 3);
  assert.deepEqual(events.slice(1).map((event) => (JSON.parse(event.data) as OpenAIChunk).choices[0]!.delta.content), ['Hello', ' from']);
  const more = await Promise.race([reader.read().then(() => 'data'), new Promise((resolve) => setTimeout(resolve, 300, 'silence'))]);
  assert.equal(more, 'silence');
  assert.equal(server.clientAborts, 0);
  controller.abort();
  await server.waitForClientAborts(1, 2_000);
  assert.equal(server.clientAborts, 1);
});

test('dropAfterTokens cuts the connection mid-stream (not a client abort); a finished stream is not one either', async () => {
  server.setBehaviour({ tokens: 10, dropAfterTokens: 3 });
  const response = await post(completions, { ...question, stream: true }, { headers: auth });
  const reader = response.body!.getReader();
  const events = await readEvents(reader, 4);
  assert.deepEqual(events.slice(1).map((event) => (JSON.parse(event.data) as OpenAIChunk).choices[0]!.delta.content), ['Hello', ' from', ' the']);
  await assert.rejects(readEvents(reader, 5), /terminated/);
  server.setBehaviour({});
  await (await post(completions, { ...question, stream: true }, { headers: auth })).text();
  assert.equal(server.clientAborts, 0);
});

test('POST /v1/embeddings: OpenAI\'s list of embeddings in input order, unit vectors fixed by model and text, usage.prompt_tokens', async () => {
  const response = await post(`${server.url}/embeddings`, { model: 'text-embedding-fake', input: ['one two three', 'four'] }, { headers: auth });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { object: string; model: string; data: { object: string; index: number; embedding: number[] }[]; usage: { prompt_tokens: number; total_tokens: number } };
  assert.equal(body.object, 'list');
  assert.equal(body.model, 'text-embedding-fake');
  assert.deepEqual(body.data.map((item) => [item.object, item.index, item.embedding.length]), [['embedding', 0, 64], ['embedding', 1, 64]]);
  assert.ok(Math.abs(Math.hypot(...body.data[0]!.embedding) - 1) < 1e-9);
  assert.deepEqual(body.usage, { prompt_tokens: 4, total_tokens: 4 }, 'words');
  const again = (await (await post(`${server.url}/embeddings`, { model: 'text-embedding-fake', input: 'four', dimensions: 8 }, { headers: auth })).json()) as typeof body;
  assert.equal(again.data[0]!.embedding.length, 8, '`dimensions` is honoured');
  const other = (await (await post(`${server.url}/embeddings`, { model: 'another-model', input: 'four' }, { headers: auth })).json()) as typeof body;
  assert.notDeepEqual(other.data[0]!.embedding, body.data[1]!.embedding, 'another model, another vector');
  const refused = await post(`${server.url}/embeddings`, { model: 'text-embedding-fake', input: [] }, { headers: auth });
  assert.equal(refused.status, 400);
  assert.equal(((await refused.json()) as OpenAIErrorBody).error.type, 'invalid_request_error');
  server.setBehaviour({ fail: { status: 429, retryAfterSeconds: 1 } });
  assert.equal((await post(`${server.url}/embeddings`, { model: 'text-embedding-fake', input: 'x' }, { headers: auth })).status, 429);
});
