// Two tenants on one generation process and the real local model (SmolLM2-135M, one sequence):
// a burst of long prompts from one tenant must not make another tenant's short question wait
// for the whole burst, and a question longer than the prompt cap is refused before it waits.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Emit, HandlerContext } from '@rivulet/kafka';
import { createModelRouter, loadLocalChatModel, parseRouterConfig, resolveLocalModelPath } from '@rivulet/llm';
import type { ContextRetrieved, EventRecords } from '@rivulet/schemas';
import { DeltaPublisher, type ReplyDelta } from '../src/delta-publisher.js';
import { createGenerationHandler } from '../src/handler.js';

const home = process.env.RIVULET_HOME || join(fileURLToPath(new URL('../../../', import.meta.url)), '.rivulet');
/** The prompt cap under test: well above the burst's prompts, far below the long question. */
const MAX_PROMPT_TOKENS = 1024;
const localModel = await loadLocalChatModel({ modelPath: resolveLocalModelPath({ RIVULET_HOME: home }), contextTokens: 2048, maxPromptTokens: MAX_PROMPT_TOKENS });
const router = createModelRouter({
  config: parseRouterConfig({ defaultModel: 'default', models: { default: { deployments: [{ name: 'local', provider: 'local' }] } } }, { env: {} }),
  localModel,
});
after(() => localModel.close());

/** requestId -> when its first text left (not the sources-only delta); the budget reservations made. */
const firstDeltaAt = new Map<string, number>();
const reserved: string[] = [];
const handler = createGenerationHandler({
  router,
  budget: {
    reserve: (request) => {
      reserved.push(request.requestId);
      return Promise.resolve({ ok: true, reservation: { id: request.requestId, tokens: request.estimateTokens, counters: [], held: true } });
    },
    settle: () => Promise.resolve({ ok: true, status: 'settled' }),
    standing: () => Promise.resolve({ tier: null, ratio: null }),
  },
  history: { load: () => Promise.resolve([]) },
  cancellation: { watch: () => Promise.resolve({ signal: new AbortController().signal, release: () => undefined }) },
  attempts: { begin: () => Promise.resolve(true) },
  deltas: new DeltaPublisher({ intervalMs: 0 }),
  defaultMaxOutputTokens: 8, historyTokenBudget: 0,
});

const ask = (tenantId: string, requestId: string, message: string): ContextRetrieved => ({
  eventId: `event-${requestId}`, tenantId, correlationId: requestId, occurredAt: Date.now(),
  payload: {
    request: {
      requestId, clientRequestId: requestId, conversationId: `conversation-${requestId}`, userId: null, apiKeyId: '', message,
      history: [], model: 'default', temperature: 0, maxOutputTokens: 8, rag: false, collection: 'default', topK: 5, filters: {},
      replyRoute: { ingressInstanceId: 'ingress-test', partition: 0 }, kind: 'chat', acceptedAt: Date.now(), deadlineAt: Date.now() + 300_000, newConversation: true,
    },
    chunks: [],
  },
});

/** Stands in for the runtime's emitter: notes when each request's first text left. */
const emit: Emit<EventRecords> = (outputs) => {
  for (const { value: { payload } } of outputs as readonly ReplyDelta[]) if (payload.content !== '' && !firstDeltaAt.has(payload.requestId)) firstDeltaAt.set(payload.requestId, Date.now());
  return Promise.resolve();
};

const context = (requestId: string): HandlerContext<'context-retrieved', EventRecords> => ({
  eventType: 'context-retrieved', topic: 'rivulet.chat.contexts-retrieved', partition: 0, offset: '0', key: `conversation-${requestId}`, headers: {},
  correlationId: requestId, traceparent: undefined, attempt: 1, signal: new AbortController().signal, emit,
});

type End = { requestId: string; status: string; content: string; usage: { inputTokens: number }; error: { code: string; message: string; retryable: boolean } | null };

/** Handles the event; resolves with its reply-end payload and the time the handler returned. */
const answer = async (event: ContextRetrieved): Promise<End & { endedAt: number }> => {
  const outputs = await handler(event, context(event.payload.request.requestId));
  const end = outputs!.find((output) => output.type === 'reply-end')!.value.payload as End;
  return { ...end, endedAt: Date.now() };
};

/** Polls (bounded) until `condition` holds. */
const until = async (condition: () => boolean, what: string, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const longPrompt = (n: number) => `Request ${n}. ${'Kafka partitions let consumer groups scale out; each partition is read by one member of the group at a time. '.repeat(10)}\nSummarise this.`;

test('a tenant\'s burst of long prompts holds another tenant\'s short question back by at most the one already decoding', async () => {
  const burstStarted = Date.now();
  const burst = [0, 1, 2, 3].map((n) => answer(ask('tenant-a', `a-${n}`, longPrompt(n))));
  // Tenant B asks once A's first prompt holds the model and the other three wait behind it.
  await until(() => firstDeltaAt.has('a-0'), 'the first delta of a-0');
  const asked = Date.now();
  const b = await answer(ask('tenant-b', 'b-0', 'What is Kafka?'));
  const a = await Promise.all(burst);
  const waitedMs = b.endedAt - asked;
  const burstMs = Math.max(...a.map((end) => end.endedAt)) - burstStarted;
  console.log(`tenant B answered in ${waitedMs} ms; tenant A's burst (${a[0]!.usage.inputTokens} prompt tokens each) took ${burstMs} ms; ends ${[...a, b].sort((x, y) => x.endedAt - y.endedAt).map((end) => end.requestId).join(' ')}`);
  for (const end of [...a, b]) assert.equal(end.status, 'done', `${end.requestId}: ${end.error?.message}`);
  // Served in turn: B right after the prompt that was decoding when it arrived, before A's next one starts.
  assert.ok(b.endedAt <= firstDeltaAt.get('a-1')!, 'B is answered before A\'s second prompt gets the model');
  assert.ok(a[0]!.endedAt <= firstDeltaAt.get('b-0')!, 'the prompt already decoding is not interrupted');
  // The bound: B waits for at most one of A's prompts plus its own answer, well under half of A's four.
  assert.ok(waitedMs < burstMs / 2, `B waited ${waitedMs} ms, A's burst took ${burstMs} ms`);
});

test('a question over the prompt cap is refused at once with payload_too_large, not retryable, before any budget or model', async () => {
  const busy = answer(ask('tenant-a', 'a-busy', longPrompt(9)));
  await until(() => firstDeltaAt.has('a-busy'), 'the first delta of a-busy');
  const started = Date.now();
  const refused = await answer(ask('tenant-b', 'b-long', 'Why? '.repeat(6_400)));
  const refusedMs = Date.now() - started;
  assert.equal(refused.status, 'error');
  assert.equal(refused.error?.code, 'payload_too_large');
  assert.equal(refused.error?.retryable, false);
  assert.match(refused.error?.message ?? '', /accepts at most \d+ /);
  assert.ok(!reserved.includes('b-long'), 'no budget reserved');
  assert.ok(!firstDeltaAt.has('b-long'), 'no sources or text sent');
  assert.ok(refused.endedAt < (await busy).endedAt, `refused in ${refusedMs} ms, while the model was still busy: it did not wait for it`);
});
