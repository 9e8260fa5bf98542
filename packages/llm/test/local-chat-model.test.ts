import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { modelPaths } from '@rivulet/infra';
import { isAbortError, loadLocalChatModel, ProviderError, resolveLocalModelPath } from '../src/index.js';
import { collect, drain } from './support/streams.js';

/** The model `rivulet infra up` assembled (npm test runs it first), in the same state folder as the services. */
const home = process.env.RIVULET_HOME || join(fileURLToPath(new URL('../../../', import.meta.url)), '.rivulet');
const modelPath = modelPaths(home).chatModelFile;
const model = await loadLocalChatModel({ modelPath, contextTokens: 2048 });
after(() => model.close());

const capital = [{ role: 'user', content: 'What is the capital of France?' }] as const;

test('the default path of the config is where infra puts the model; the model describes itself', () => {
  assert.equal(resolveLocalModelPath({ RIVULET_HOME: home }), modelPath);
  assert.equal(resolveLocalModelPath({ RIVULET_HOME: home, CHAT_LOCAL_MODEL_PATH: '/elsewhere/m.gguf' }), '/elsewhere/m.gguf');
  assert.equal(model.provider, 'local');
  assert.equal(model.model, 'smollm2-135m-instruct');
  assert.ok(model.contextTokens >= 2048 && model.contextTokens < 2048 + 256, `contextTokens ${model.contextTokens}`);
});

test('countTokens uses the model\'s tokenizer (SmolLM2\'s, not a character estimate)', () => {
  assert.equal(model.countTokens(''), 0);
  assert.equal(model.countTokens('Paris'), 1);
  const sentence = 'Apache Kafka is a distributed event streaming platform.';
  const count = model.countTokens(sentence);
  assert.ok(count >= 8 && count <= 14, `${count} tokens`);
  assert.notEqual(count, Math.ceil(sentence.length / 4));
});

/**
 * The prompt tokens SmolLM2's own chat template makes of `messages`: each message is
 * `<|im_start|>role\ncontent<|im_end|>\n` ("assistant" is two tokens), then `<|im_start|>assistant\n`;
 * without a system message the template puts in its default one.
 */
const templateTokens = (messages: readonly { role: string; content: string }[]): number => {
  const laidOut = messages[0]?.role === 'system' ? messages : [{ role: 'system', content: 'You are a helpful AI assistant named SmolLM, trained by Hugging Face' }, ...messages];
  return laidOut.reduce((sum, message) => sum + model.countTokens(message.content) + (message.role === 'assistant' ? 6 : 5), 4);
};

test('streams a short answer: deltas, then end with usage counted in model tokens and maxOutputTokens honoured', async () => {
  const started = Date.now();
  const { deltas, text, end } = await collect(model, { messages: capital, maxOutputTokens: 24, temperature: 0 });
  const seconds = (Date.now() - started) / 1000;
  console.log(`local answer (${end?.usage.outputTokens} tokens, ${seconds.toFixed(2)} s): ${JSON.stringify(text)}`);
  assert.ok(deltas.length >= 1 && text.trim().length > 0, 'some text streamed');
  assert.ok(end, 'an end event');
  assert.ok(end.usage.outputTokens >= 1 && end.usage.outputTokens <= 24, `outputTokens ${end.usage.outputTokens}`);
  assert.equal(end.finishReason, end.usage.outputTokens === 24 ? 'length' : 'stop');
  assert.equal(end.usage.inputTokens, templateTokens(capital), 'the question inside the chat template');
  // Greedy decoding from the same messages gives the same text: no state leaks from one generation to the next.
  assert.equal((await collect(model, { messages: capital, maxOutputTokens: 24, temperature: 0 })).text, text);
});

test('the messages are laid out by the model\'s ChatML template, as written: system message and earlier turns included, <|im_start|> not doubled', async () => {
  const inputTokens = async (messages: readonly { role: 'system' | 'user' | 'assistant'; content: string }[]) =>
    (await collect(model, { messages, maxOutputTokens: 1 })).end!.usage.inputTokens;
  const system = { role: 'system', content: 'You are a geography teacher. Answer in one short sentence.' } as const;
  const withHistory = [system, { role: 'user', content: 'Hello!' }, { role: 'assistant', content: 'Hello, how can I help?' }, ...capital] as const;
  // node-llama-cpp's generic ChatML wrapper would count one more: it opens with BOS, which here is <|im_start|> again.
  assert.equal(await inputTokens([system, ...capital]), templateTokens([system, ...capital]));
  assert.equal(await inputTokens(withHistory), templateTokens(withHistory));
});

test('answers a RAG prompt from its numbered sources and ends its turn by itself', async () => {
  const rag = [
    { role: 'system', content: 'You are Rivulet, a helpful assistant. Answer accurately and concisely.' },
    {
      role: 'user',
      content: 'Answer the question using the numbered sources below. Cite the sources you use as [1], [2] and so on. '
        + 'If the sources do not contain the answer, say so plainly instead of guessing.\n\nSources:\n'
        + '[1] Kafka\nApache Kafka in Rivulet listens on 127.0.0.1:9092 by default.\n\n[2] Redis\nRedis caches embeddings.\n\n'
        + 'Question: What does Redis cache?',
    },
  ] as const;
  const { text, end } = await collect(model, { messages: rag, maxOutputTokens: 60, temperature: 0 });
  console.log(`local RAG answer: ${JSON.stringify(text)}`);
  assert.match(text, /embeddings/i);
  assert.equal(end?.finishReason, 'stop', 'an instruction-tuned model closes its turn; a base model runs on to the limit');
});

test('maxOutputTokens cuts the answer at that many tokens with finish length; ~100 tokens measures throughput', async () => {
  const short = await collect(model, { messages: capital, maxOutputTokens: 5, temperature: 0 });
  assert.equal(short.end?.usage.outputTokens, 5);
  assert.equal(short.end?.finishReason, 'length');
  const started = Date.now();
  let firstDeltaAt = 0;
  const deltas: string[] = [];
  await drain(model.stream({ messages: [{ role: 'user', content: 'Write a long story about a dragon who learns to fly.' }], maxOutputTokens: 100, temperature: 0, signal: new AbortController().signal }), deltas, () => {
    firstDeltaAt ||= Date.now();
  });
  const seconds = (Date.now() - started) / 1000;
  const tokens = model.countTokens(deltas.join(''));
  console.log(`local throughput: ~${tokens} tokens in ${seconds.toFixed(2)} s = ${(tokens / seconds).toFixed(1)} tokens/s end to end; first delta after ${firstDeltaAt - started} ms`);
  assert.ok(tokens >= 80 && tokens <= 110, `${tokens} tokens`);
});

test('aborting stops decoding promptly with an AbortError; the model serves the next request', async () => {
  const controller = new AbortController();
  const deltas: string[] = [];
  let abortedAt = 0;
  const error = await drain(model.stream({ messages: capital, maxOutputTokens: 400, signal: controller.signal }), deltas, (count) => {
    if (count === 2) {
      abortedAt = Date.now();
      controller.abort();
    }
  });
  assert.ok(isAbortError(error), String(error));
  assert.ok(Date.now() - abortedAt < 500, `the iterator ended ${Date.now() - abortedAt} ms after the abort`);
  assert.ok(deltas.length < 10, `${deltas.length} deltas`);
  const next = await collect(model, { messages: capital, maxOutputTokens: 3 });
  assert.equal(next.end?.usage.outputTokens, 3);
});

test('concurrent generations beyond maxConcurrent wait their turn instead of failing; an aborted waiter leaves the queue', async () => {
  const runs = await Promise.all([1, 2, 3].map(() => collect(model, { messages: capital, maxOutputTokens: 4 })));
  assert.deepEqual(runs.map((run) => run.end?.usage.outputTokens), [4, 4, 4]);
  const busy = collect(model, { messages: capital, maxOutputTokens: 30 });
  const waiter = new AbortController();
  const waiting = drain(model.stream({ messages: capital, maxOutputTokens: 4, signal: waiter.signal }));
  waiter.abort();
  assert.ok(isAbortError(await waiting));
  assert.ok((await busy).end);
});

test('a missing file is provider_unavailable naming `rivulet infra up`; stream after close fails', async () => {
  await assert.rejects(loadLocalChatModel({ modelPath: join(home, 'models', 'missing.gguf') }), (error: unknown) =>
    error instanceof ProviderError && error.code === 'provider_unavailable' && !error.retryable && /rivulet infra up/.test(error.message));
  await assert.rejects(loadLocalChatModel({ modelPath, maxConcurrent: 0 }), /maxConcurrent/);
  await assert.rejects(loadLocalChatModel({ modelPath, topP: 1.5 }), /topP must be between 0 and 1/);
  const second = await loadLocalChatModel({ modelPath, contextTokens: 512, name: 'tiny' });
  assert.equal(second.model, 'tiny');
  await second.close();
  assert.ok((await drain(second.stream({ messages: capital, signal: new AbortController().signal }))) instanceof ProviderError);
});
