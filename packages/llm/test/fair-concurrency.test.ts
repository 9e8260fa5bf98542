// How many requests a deployment takes at once, and in what order waiting tenants get a turn:
// remote deployments over the fake providers (real wire format, controlled delays), the local
// model for real (SmolLM2-135M), and the local prompt cap.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { modelPaths } from '@rivulet/infra';
import { startFakeOpenAI } from '@rivulet/fake-providers';
import { waitFor } from '@rivulet/testing';
import { createModelRouter, isAbortError, loadLocalChatModel, parseRouterConfig, ProviderError, RouterConfigError } from '../src/index.js';
import { drain } from './support/streams.js';
import { route, testKey } from './support/router.js';

const home = process.env.RIVULET_HOME || new URL('../../../.rivulet', import.meta.url).pathname;
const localModel = await loadLocalChatModel({ modelPath: modelPaths(home).chatModelFile, contextTokens: 2048, maxPromptTokens: 256 });
/** Each request's question as the fake received it, in arrival order. */
const arrivals: string[] = [];
const fake = await startFakeOpenAI({ apiKey: testKey, tokens: 4, tokenDelayMs: 60, reply: ({ messages }) => (arrivals.push(messages.at(-1)!.text), 'a slow remote answer') });
after(async () => {
  await fake.close();
  await localModel.close();
});

const remote = (maxConcurrent: number) => ({ name: 'remote', provider: 'openai-compatible', model: 'fake-model', baseUrl: fake.url, apiKeyEnv: 'KEY', maxConcurrent });
const routerOf = (models: Record<string, { deployments: Record<string, unknown>[] }>) => createModelRouter({
  config: parseRouterConfig({ defaultModel: Object.keys(models)[0], models, timeouts: { connectMs: 2_000, firstTokenMs: 30_000, idleMs: 30_000 } }, { env: { KEY: testKey } }),
  localModel,
});
const ask = (router: ReturnType<typeof routerOf>, tenant: string, question: string, model?: string, maxOutputTokens?: number) =>
  route(router.stream({ model, messages: [{ role: 'user', content: question }], tenant, maxOutputTokens, signal: new AbortController().signal }));

test('a remote deployment with maxConcurrent 2 has at most 2 requests out at once, and a waiting tenant goes before the rest of another\'s burst', async () => {
  arrivals.length = 0;
  const router = routerOf({ chat: { deployments: [remote(2)] } });
  let ended = 0;
  let mostOut = 0;
  const counted = (answer: Promise<Awaited<ReturnType<typeof ask>>>) => answer.then((result) => {
    // Arrivals not yet answered: the fake has them out at once (an answer's slot is freed only after its end is read).
    mostOut = Math.max(mostOut, arrivals.length - ended);
    ended += 1;
    return result;
  });
  const burst = [0, 1, 2, 3, 4].map((n) => counted(ask(router, 'tenant-a', `A${n}`)));
  await waitFor(() => arrivals.length === 2, { description: 'two arrivals', timeoutMs: 60_000, intervalMs: 5 });
  const b = await counted(ask(router, 'tenant-b', 'B'));
  const answers = [...(await Promise.all(burst)), b];
  assert.ok(answers.every((answer) => answer.end?.finishReason === 'length' || answer.end?.finishReason === 'stop'), 'every request answered');
  assert.equal(mostOut, 2, 'never more than maxConcurrent out at once');
  assert.deepEqual(arrivals, ['A0', 'A1', 'B', 'A2', 'A3', 'A4'], 'B is sent as soon as a slot frees, not after A\'s queue');
});

test('remote requests run side by side while the local model is busy: they do not wait for its sequence', async () => {
  arrivals.length = 0;
  const router = routerOf({ local: { deployments: [{ name: 'local', provider: 'local' }] }, chat: { deployments: [remote(3)] } });
  const holder = new AbortController();
  let localEnded = false;
  let localStarted = false;
  const local = route(router.stream({ model: 'local', messages: [{ role: 'user', content: 'Count from 1 to 500, separated by commas.' }], tenant: 'tenant-a', maxOutputTokens: 600, signal: holder.signal }),
    (event) => (localStarted ||= event.type === 'delta')).then((result) => (localEnded = true, result));
  await waitFor(() => localStarted, { description: 'the local request to start', timeoutMs: 60_000, intervalMs: 5 });
  let remoteEnds = 0;
  const remotes = [0, 1, 2].map((n) => ask(router, 'tenant-b', `R${n}`, 'chat').then((result) => (remoteEnds += 1, result)));
  await waitFor(() => arrivals.length === 3, { description: 'three arrivals', timeoutMs: 60_000, intervalMs: 5 });
  assert.equal(remoteEnds, 0, 'all three were out at once');
  assert.ok((await Promise.all(remotes)).every((result) => result.end), 'all three answered');
  assert.equal(localEnded, false, 'while the local model was still generating');
  holder.abort();
  assert.ok(isAbortError((await local).error), 'stopped by the test, not ended on its own');
});

test('maxConcurrent is refused on a local deployment (the local model\'s own is CHAT_LOCAL_CONCURRENCY)', () => {
  assert.throws(() => routerOf({ local: { deployments: [{ name: 'local', provider: 'local', maxConcurrent: 2 }] } }), (error: unknown) =>
    error instanceof RouterConfigError && /maxConcurrent/.test(error.message) && /CHAT_LOCAL_CONCURRENCY/.test(error.message));
});

test('a prompt over the local cap is refused at once (invalid_request, not retryable) while the model is busy, without waiting for it', async () => {
  const router = routerOf({ local: { deployments: [{ name: 'local', provider: 'local' }] } });
  assert.equal(localModel.maxPromptTokens, 256);
  assert.equal(router.maxPromptTokens('local'), 256, 'the router reports the cap, for the prompt builder');
  let busyEnded = false;
  const busy = drain(localModel.stream({ messages: [{ role: 'user', content: 'Write a long story about a river.' }], maxOutputTokens: 120, signal: new AbortController().signal }))
    .then((error) => (busyEnded = true, error));
  const error = await drain(localModel.stream({ messages: [{ role: 'user', content: 'Why? '.repeat(300) }], signal: new AbortController().signal, tenant: 'tenant-b' }));
  assert.equal(busyEnded, false, 'refused before the busy generation ended: it never queued');
  assert.ok(error instanceof ProviderError && error.code === 'invalid_request' && !error.retryable, String(error));
  assert.match(error.message, /the prompt has \d+ tokens; this model takes at most 256 \(CHAT_LOCAL_MAX_PROMPT_TOKENS\)/);
  assert.equal(await busy, undefined);
});

