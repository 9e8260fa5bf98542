import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { startFakeAnthropic } from '../src/index.js';
import { parseEvents, post, readEvents } from './support/sse.js';
import type { AnthropicErrorBody, AnthropicEventData, AnthropicMessage } from './support/wire.js';

const server = await startFakeAnthropic({ apiKey: 'sk-ant-fake' });
after(() => server.close());
beforeEach(() => {
  server.reset();
  server.setBehaviour({});
});

const headers = { 'x-api-key': 'sk-ant-fake', 'anthropic-version': '2023-06-01' };
const messagesUrl = `${server.url}/v1/messages`;
const question = { model: 'claude-haiku-4-5', max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is Kafka?' }] }] };

test('streams the Messages event sequence: message_start, content_block_start, ping, text deltas, content_block_stop, message_delta, message_stop', async () => {
  server.setBehaviour({ reply: 'Kafka is a distributed log.' });
  const response = await post(messagesUrl, { ...question, stream: true }, { headers });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events = parseEvents(await response.text());
  assert.deepEqual(events.map((event) => event.event), [
    'message_start', 'content_block_start', 'ping',
    ...Array<string>(5).fill('content_block_delta'),
    'content_block_stop', 'message_delta', 'message_stop',
  ]);
  const data = events.map((event) => JSON.parse(event.data) as AnthropicEventData);
  assert.ok(data.every((item, index) => item.type === events[index]!.event), 'each data.type repeats its event name');
  const start = data[0]!.message!;
  assert.equal(start.role, 'assistant');
  assert.equal(start.model, 'claude-haiku-4-5');
  assert.deepEqual(start.content, []);
  assert.equal(start.usage.input_tokens, 5, 'words of the system prompt and the message');
  assert.deepEqual(data[1]!.content_block, { type: 'text', text: '' });
  assert.deepEqual(data.slice(3, 8).map((item) => item.delta), ['Kafka', ' is', ' a', ' distributed', ' log.'].map((text) => ({ type: 'text_delta', text })));
  assert.deepEqual(data[9]!.delta, { stop_reason: 'end_turn', stop_sequence: null });
  assert.deepEqual(data[9]!.usage, { output_tokens: 5 });
  const request = server.requests[0]!;
  assert.equal(request.path, '/v1/messages');
  assert.equal((request.body as { system: string }).system, 'Be brief.');
});

test('stream false gives one message object; max_tokens cuts with stop_reason max_tokens', async () => {
  const message = (await (await post(messagesUrl, question, { headers })).json()) as AnthropicMessage;
  assert.equal(message.type, 'message');
  assert.deepEqual(message.content, [{ type: 'text', text: 'Hello from the fake model.' }]);
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.usage.input_tokens, 5);
  assert.equal(message.usage.output_tokens, 5);
  const cut = parseEvents(await (await post(messagesUrl, { ...question, max_tokens: 2, stream: true }, { headers })).text()).map((event) => JSON.parse(event.data) as AnthropicEventData);
  assert.equal(cut.filter((item) => item.type === 'content_block_delta').length, 2);
  assert.equal(cut.find((item) => item.type === 'message_delta')!.delta!.stop_reason, 'max_tokens');
});

test('a reply function sees the system prompt first, then the messages', async () => {
  server.setBehaviour({ reply: (request) => request.messages.map((message) => `${message.role}=${message.text}`).join(' | ') });
  const message = (await (await post(messagesUrl, question, { headers })).json()) as AnthropicMessage;
  assert.equal(message.content[0]!.text, 'system=Be brief. | user=What is Kafka?');
});

test('the real API\'s required fields are required: a key (x-api-key or bearer), anthropic-version, max_tokens, no system role in messages', async () => {
  const expectError = async (response: Response, status: number, type: string) => {
    assert.equal(response.status, status);
    const body = (await response.json()) as AnthropicErrorBody;
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, type);
    assert.equal(typeof body.error.message, 'string');
  };
  await expectError(await post(messagesUrl, question, { headers: { ...headers, 'x-api-key': 'wrong' } }), 401, 'authentication_error');
  await expectError(await post(messagesUrl, question, { headers: { 'anthropic-version': '2023-06-01', authorization: 'Bearer wrong' } }), 401, 'authentication_error');
  assert.equal((await post(messagesUrl, question, { headers: { 'anthropic-version': '2023-06-01', authorization: 'Bearer sk-ant-fake' } })).status, 200);
  await expectError(await post(messagesUrl, question, { headers: { 'x-api-key': 'sk-ant-fake' } }), 400, 'invalid_request_error');
  await expectError(await post(messagesUrl, { ...question, max_tokens: undefined }, { headers }), 400, 'invalid_request_error');
  await expectError(await post(messagesUrl, { ...question, messages: [{ role: 'system', content: 'x' }, ...question.messages] }, { headers }), 400, 'invalid_request_error');
});

test('fail answers the status with Anthropic\'s error body and Retry-After', async () => {
  server.setBehaviour({ fail: { status: 429, retryAfterSeconds: 7 } });
  const limited = await post(messagesUrl, { ...question, stream: true }, { headers });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '7');
  const body = (await limited.json()) as AnthropicErrorBody;
  assert.equal(body.error.type, 'rate_limit_error');
  assert.match(body.request_id, /^req_/);
  server.setBehaviour({ fail: { status: 529 } });
  const overloaded = await post(messagesUrl, question, { headers });
  assert.equal(overloaded.status, 529);
  assert.deepEqual(((await overloaded.json()) as AnthropicErrorBody).error, { type: 'overloaded_error', message: 'Overloaded' });
});

test('a stall after k deltas keeps the connection open until the client closes it, which counts as a client abort', async () => {
  server.setBehaviour({ tokens: 10, stallAfterTokens: 1 });
  const controller = new AbortController();
  const response = await post(messagesUrl, { ...question, stream: true }, { headers, signal: controller.signal });
  const reader = response.body!.getReader();
  const events = await readEvents(reader, 4);
  assert.deepEqual(events.map((event) => event.event), ['message_start', 'content_block_start', 'ping', 'content_block_delta']);
  const more = await Promise.race([reader.read().then(() => 'data'), new Promise((resolve) => setTimeout(resolve, 300, 'silence'))]);
  assert.equal(more, 'silence');
  controller.abort();
  await server.waitForClientAborts(1, 2_000);
});

test('a drop after k deltas cuts the stream before message_stop', async () => {
  server.setBehaviour({ tokens: 10, dropAfterTokens: 2 });
  const response = await post(messagesUrl, { ...question, stream: true }, { headers });
  const reader = response.body!.getReader();
  const events = await readEvents(reader, 5);
  assert.equal(events.filter((event) => event.event === 'content_block_delta').length, 2);
  await assert.rejects(readEvents(reader, 6), /terminated/);
  assert.equal(server.clientAborts, 0);
});
