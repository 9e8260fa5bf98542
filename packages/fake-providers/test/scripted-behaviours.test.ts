import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startFakeAnthropic, startFakeOpenAI } from '../src/index.js';
import { parseEvents, post } from './support/sse.js';

const openai = await startFakeOpenAI();
const anthropic = await startFakeAnthropic();
after(() => Promise.all([openai.close(), anthropic.close()]));

const chat = { model: 'm', messages: [{ role: 'user', content: 'What is Kafka?' }], stream: true };
const completions = `${openai.url}/chat/completions`;
const messagesUrl = `${anthropic.url}/v1/messages`;
const anthropicHeaders = { 'anthropic-version': '2023-06-01' };

test('enqueued behaviours answer the next requests in order, then the standing behaviour again; reset drops the rest', async () => {
  openai.reset();
  openai.setBehaviour({ reply: 'standing' });
  openai.enqueueBehaviours({ fail: { status: 429, retryAfterMs: 150, retryAfterSeconds: 1 } }, { fail: { status: 500 } });
  const first = await post(completions, chat);
  assert.equal(first.status, 429);
  assert.equal(first.headers.get('retry-after-ms'), '150');
  assert.equal(first.headers.get('retry-after'), '1');
  assert.equal((await post(completions, chat)).status, 500);
  assert.match(await (await post(completions, chat)).text(), /standing/);
  openai.enqueueBehaviours({ fail: { status: 500 } });
  openai.reset();
  assert.equal((await post(completions, chat)).status, 200);
});

test('OpenAI streamError: a 200 stream with k chunks, then a data event carrying error, and no [DONE]', async () => {
  openai.setBehaviour({ tokens: 5, streamError: { afterTokens: 2 } });
  const response = await post(completions, chat);
  assert.equal(response.status, 200);
  const events = parseEvents(await response.text());
  const last = JSON.parse(events.at(-1)!.data) as { error: { type: string } };
  assert.equal(last.error.type, 'server_error');
  assert.equal(events.length, 1 + 2 + 1, 'role chunk, two tokens, the error');
});

test('Anthropic streamError: overloaded_error as an `error` event mid-stream, no message_stop', async () => {
  anthropic.setBehaviour({ tokens: 5, streamError: { afterTokens: 3 } });
  const response = await post(messagesUrl, { ...chat, max_tokens: 50 }, { headers: anthropicHeaders });
  assert.equal(response.status, 200);
  const events = parseEvents(await response.text());
  assert.equal(events.filter((event) => event.event === 'content_block_delta').length, 3);
  assert.equal(events.at(-1)!.event, 'error');
  assert.deepEqual(JSON.parse(events.at(-1)!.data), { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
});

test('truncateAfterTokens ends the response cleanly without the end of the answer', async () => {
  openai.setBehaviour({ tokens: 5, truncateAfterTokens: 2 });
  const openaiEvents = parseEvents(await (await post(completions, chat)).text());
  assert.equal(openaiEvents.length, 3);
  assert.ok(openaiEvents.every((event) => event.data !== '[DONE]' && !event.data.includes('"finish_reason":"stop"')));
  anthropic.setBehaviour({ tokens: 5, truncateAfterTokens: 2 });
  const anthropicEvents = parseEvents(await (await post(messagesUrl, { ...chat, max_tokens: 50 }, { headers: anthropicHeaders })).text());
  assert.equal(anthropicEvents.at(-1)!.event, 'content_block_delta');
  assert.equal(anthropicEvents.filter((event) => event.event === 'message_stop' || event.event === 'message_delta').length, 0);
  assert.equal(openai.clientAborts + anthropic.clientAborts, 0);
});
