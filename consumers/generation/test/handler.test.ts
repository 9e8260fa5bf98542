import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Emit, HandlerContext } from '@rivulet/kafka';
import { createModelRouter, parseRouterConfig, ProviderError, type ChatGenerationRequest, type ChatModel, type ChatStreamEvent } from '@rivulet/llm';
import type { ContextRetrieved, EventRecords } from '@rivulet/schemas';
import { assistantMessageId } from '@rivulet/store';
import { DeltaPublisher, type ReplyDelta } from '../src/delta-publisher.js';
import type { BudgetDecision, BudgetRequest } from '../src/budget/index.js';
import { createGenerationHandler, type BudgetGate, type CancellationWatch } from '../src/handler.js';

const request = (overrides: Partial<ContextRetrieved['payload']['request']> = {}): ContextRetrieved => ({
  eventId: 'e1', tenantId: 'tenant-a', correlationId: 'req-1', occurredAt: Date.now(),
  payload: {
    request: {
      requestId: 'req-1', clientRequestId: 'c1', conversationId: 'conv-1', userId: null, apiKeyId: 'key-1', message: 'What is Rivulet?',
      history: [], model: 'auto', temperature: null, maxOutputTokens: null, rag: true, collection: 'default', topK: 5, filters: {},
      replyRoute: { ingressInstanceId: 'ingress-a', partition: 4 }, kind: 'chat', acceptedAt: Date.now() - 5, deadlineAt: Date.now() + 60_000, newConversation: false,
      ...overrides,
    },
    chunks: [{ documentId: 'doc-1', chunkId: 'doc-1#0', title: 'About', score: 0.8, snippet: 'Rivulet is…', content: 'Rivulet is an AI backend on Kafka.', metadata: {} }],
  },
});

/** The runtime's context; `emit` stands in for its emitter, acknowledging every reply delta at once unless told otherwise. */
const context = (signal = new AbortController().signal, emit: Emit<EventRecords> = () => Promise.resolve()): HandlerContext<'context-retrieved', EventRecords> => ({
  eventType: 'context-retrieved', topic: 'rivulet.chat.contexts-retrieved', partition: 0, offset: '0', key: 'conv-1', headers: {},
  correlationId: 'req-1', traceparent: undefined, attempt: 1, signal, emit,
});

/** A ChatModel that streams the given tokens, waiting `delayMs` between them, honouring the signal. */
const fakeModel = (tokens: string[], { delayMs = 0, failAfter }: { delayMs?: number; failAfter?: number } = {}) => {
  const seen: ChatGenerationRequest[] = [];
  let aborted = false;
  const model: ChatModel = {
    provider: 'fake', model: 'fake-1', contextTokens: 4096,
    countTokens: (text) => Math.ceil(text.length / 4),
    close: () => Promise.resolve(),
    stream: async function* (input): AsyncIterable<ChatStreamEvent> {
      seen.push(input);
      for (const [index, text] of tokens.entries()) {
        if (failAfter !== undefined && index === failAfter) throw new ProviderError({ provider: 'fake', code: 'provider_unavailable', message: 'upstream 503', retryable: true, status: 503 });
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (input.signal.aborted) {
          aborted = true;
          const error = new Error('aborted');
          error.name = 'AbortError';
          throw error;
        }
        yield { type: 'delta', text };
      }
      yield { type: 'end', finishReason: 'stop', usage: { inputTokens: 42, outputTokens: tokens.length } };
    },
  };
  return { model, seen, wasAborted: () => aborted };
};

/** A router over real router code: `primary` serves, `backup` (when given) takes over on failure. */
const routerOver = (primary: ChatModel, backup?: ChatModel) => createModelRouter({
  config: parseRouterConfig({
    defaultModel: 'default',
    models: {
      default: { deployments: [
        { name: 'primary', provider: 'openai-compatible', model: primary.model, baseUrl: 'http://127.0.0.1:9/v1', contextTokens: 4096, price: { inputPerMillion: 1, outputPerMillion: 2 } },
        ...(backup ? [{ name: 'backup', provider: 'openai-compatible', model: backup.model, baseUrl: 'http://127.0.0.1:9/v1', priority: 1, contextTokens: 4096 }] : []),
      ] },
    },
  }, { env: {} }),
  createModel: (deployment) => (deployment.name === 'primary' ? primary : backup!),
});

/** A budget that admits `admit` reservations and records every settle. */
const budgetGate = ({ admit = Number.POSITIVE_INFINITY, standing = { tier: null as string | null, ratio: null as number | null } } = {}) => {
  const reserved: BudgetRequest[] = [];
  const settled: number[] = [];
  const gate: BudgetGate = {
    reserve: (budgetRequest): Promise<BudgetDecision> => {
      reserved.push(budgetRequest);
      if (reserved.length > admit) {
        return Promise.resolve({ ok: false, error: { code: 'budget_exceeded', message: 'the daily token budget is spent', retryable: true, retryAfterMs: 1000, scope: 'tenant:t:model:*:day', limit: 10, used: 10, resetsAt: '2026-11-27T00:00:00.000Z' } });
      }
      return Promise.resolve({ ok: true, reservation: { id: budgetRequest.requestId, tokens: budgetRequest.estimateTokens, counters: [], held: true } });
    },
    settle: (_reservation, tokens) => {
      settled.push(tokens);
      return Promise.resolve({ ok: true, status: 'settled' });
    },
    standing: () => Promise.resolve(standing),
  };
  return { gate, reserved, settled };
};

const setup = (model: ChatModel, { firstAttempt = true, cancelAfterMs, backup, admit, router, standing }: {
  firstAttempt?: boolean; cancelAfterMs?: number; backup?: ChatModel; admit?: number; router?: ReturnType<typeof createModelRouter>; standing?: { tier: string | null; ratio: number | null };
} = {}) => {
  const sent: { seq: number; content: string; reset: boolean; partition: number | undefined; sources: unknown; failover: unknown }[] = [];
  const emit: Emit<EventRecords> = (outputs) => {
    for (const event of outputs as readonly ReplyDelta[]) sent.push({ ...event.value.payload, partition: event.partition });
    return new Promise((resolve) => setTimeout(resolve, 1));
  };
  const deltas = new DeltaPublisher();
  const budget = budgetGate({ admit, ...(standing ? { standing } : {}) });
  const generation = createGenerationHandler({
    router: router ?? routerOver(model, backup),
    budget: budget.gate,
    history: { load: () => Promise.resolve([{ role: 'user', content: 'earlier question' }, { role: 'assistant', content: 'earlier answer' }]) },
    cancellation: {
      watch: (): Promise<CancellationWatch> => {
        const controller = new AbortController();
        if (cancelAfterMs !== undefined) setTimeout(() => controller.abort(), cancelAfterMs);
        return Promise.resolve({ signal: controller.signal, release: () => undefined });
      },
    },
    attempts: { begin: () => Promise.resolve(firstAttempt) },
    deltas, defaultMaxOutputTokens: 256, historyTokenBudget: 1000,
  });
  const handler: typeof generation = (event, handlerContext) => generation(event, { ...handlerContext, emit });
  return { handler, sent, budget };
};

type EndPayload = { status: string; content: string; messageId: string; usage: { inputTokens: number; outputTokens: number }; sources: { n: number; documentId: string }[]; provider: string; model: string; finishReason: string | null; servedBy: string[]; costUsd: number | null; error: { code: string; retryable: boolean } | null };
type UsagePayload = { outcome: string; inputTokens: number; outputTokens: number; errorCode: string | null; requestedModel: string; servedBy: string[] };

const endOf = (outputs: readonly { type: string; value: { payload: unknown } }[] | void): EndPayload => outputs!.find((output) => output.type === 'reply-end')!.value.payload as EndPayload;
const usageOf = (outputs: readonly { type: string; value: { payload: unknown } }[] | void): UsagePayload => outputs!.find((output) => output.type === 'usage-recorded')!.value.payload as UsagePayload;

test('a conversation the ingress created for this request reads no history: the prompt has no earlier turns', async () => {
  const fake = fakeModel(['First answer.']);
  const { handler } = setup(fake.model);
  const outputs = await handler(request({ newConversation: true }), context());
  assert.equal(endOf(outputs).status, 'done');
  const prompt = fake.seen[0]!.messages;
  assert.ok(!prompt.some(({ content }) => content === 'earlier question'), 'the history source was not read');
  assert.equal(prompt.filter(({ role }) => role === 'user').length, 1, 'only the question');
});

/** A handler whose attempt marker resolves (or fails) only when the test says so; `order` records what happened when. */
const gatedAttempts = (model: ChatModel) => {
  const order: string[] = [];
  let open!: (first: boolean) => void;
  let fail!: (error: Error) => void;
  const budget = budgetGate();
  const handler = createGenerationHandler({
    router: routerOver(model), defaultMaxOutputTokens: 256, historyTokenBudget: 1000,
    budget: { ...budget.gate, reserve: (budgetRequest) => (order.push('reserve'), budget.gate.reserve(budgetRequest)) },
    history: { load: () => (order.push('history'), Promise.resolve([])) },
    cancellation: { watch: () => Promise.resolve({ signal: new AbortController().signal, release: () => undefined }) },
    attempts: { begin: () => new Promise<boolean>((resolve, reject) => {
      open = (first) => (order.push('attempt marked'), resolve(first));
      fail = (error) => (order.push('attempt failed'), reject(error));
    }) },
    deltas: new DeltaPublisher(),
  });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return { handler, order, budget, open: (first = true) => open(first), fail: (error: Error) => fail(error), tick };
};

test('a new conversation reserves its budget beside the other round trips; one with history reserves after reading it', async () => {
  const cases = [
    { newConversation: true, whileMarking: ['reserve'], atEnd: ['reserve', 'attempt marked'], why: 'reserved while the attempt marker is still out' },
    { newConversation: false, whileMarking: ['history'], atEnd: ['history', 'attempt marked', 'reserve'], why: 'the prompt waits for the history, and so does the reservation' },
  ];
  for (const { newConversation, whileMarking, atEnd, why } of cases) {
    const gated = gatedAttempts(fakeModel(['Hi.']).model);
    const answering = gated.handler(request({ newConversation }), context());
    await gated.tick();
    assert.deepEqual(gated.order, whileMarking, why);
    gated.open();
    assert.equal(endOf(await answering).status, 'done');
    assert.deepEqual(gated.order, atEnd);
    assert.equal(gated.budget.reserved.length, 1, 'reserved once');
  }
});

test('a hold reserved beside lookups that then fail is given back at once, and the event fails to be retried', async () => {
  const gated = gatedAttempts(fakeModel(['Hi.']).model);
  const answering = gated.handler(request({ newConversation: true }), context());
  await gated.tick();
  gated.fail(new Error('redis went away'));
  await assert.rejects(answering, /redis went away/);
  assert.deepEqual(gated.budget.settled, [0], 'the reservation was settled with nothing used');
});

test('a cancel check that fails after the other lookups succeeded also gives back the hold reserved beside them', async () => {
  const budget = budgetGate();
  const handler = createGenerationHandler({
    router: routerOver(fakeModel(['Hi.']).model), defaultMaxOutputTokens: 256, historyTokenBudget: 1000, budget: budget.gate,
    history: { load: () => Promise.resolve([]) },
    cancellation: { watch: () => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('redis EXISTS timed out')), 5)) },
    attempts: { begin: () => Promise.resolve(true) },
    deltas: new DeltaPublisher(),
  });
  await assert.rejects(handler(request({ newConversation: true }), context()), /EXISTS timed out/);
  assert.equal(budget.reserved.length, 1);
  assert.deepEqual(budget.settled, [0], 'the reservation was settled with nothing used');
});

test('streams deltas to the request\'s partition and ends with the whole answer, its usage and sources, and records the usage', async () => {
  const fake = fakeModel(['Rivulet ', 'is ', 'an AI backend [1].']);
  const { handler, sent, budget } = setup(fake.model);
  const outputs = await handler(request(), context());
  assert.deepEqual(outputs?.map((output) => [output.type, output.partition, output.key]), [['reply-end', 4, 'req-1'], ['usage-recorded', undefined, 'tenant-a']]);
  const payload = endOf(outputs);
  assert.equal(payload.status, 'done');
  assert.equal(payload.content, 'Rivulet is an AI backend [1].');
  assert.equal(payload.messageId, assistantMessageId('req-1'));
  assert.deepEqual(payload.usage, { inputTokens: 42, outputTokens: 3 });
  assert.deepEqual(payload.servedBy, ['primary']);
  assert.equal(payload.costUsd, (42 * 1 + 3 * 2) / 1e6, 'priced from the deployment');
  assert.deepEqual(payload.sources.map(({ n, documentId }) => [n, documentId]), [[1, 'doc-1']]);
  assert.equal(payload.finishReason, 'stop');
  assert.equal(sent.map(({ content }) => content).join(''), payload.content, 'deltas concatenate to the answer');
  assert.deepEqual(sent.map(({ seq }) => seq), sent.map((_, index) => index), 'gap-free seq');
  assert.ok(sent.every(({ partition }) => partition === 4));
  assert.ok(Array.isArray(sent[0]!.sources), 'seq 0 carries the sources');
  const prompt = fake.seen[0]!.messages;
  assert.deepEqual(prompt.slice(1, 3).map(({ content }) => content), ['earlier question', 'earlier answer'], 'conversation memory in the prompt');
  assert.match(prompt.at(-1)!.content, /\[1\] About\nRivulet is an AI backend on Kafka\./);
  assert.deepEqual({ ...usageOf(outputs) }, { ...usageOf(outputs), outcome: 'done', inputTokens: 42, outputTokens: 3, errorCode: null, requestedModel: 'default', servedBy: ['primary'] });
  assert.equal(budget.reserved.length, 1);
  assert.ok(budget.reserved[0]!.estimateTokens > 256, 'the reservation holds the prompt and the whole output limit');
  assert.deepEqual(budget.settled, [45], 'settled with the provider\'s usage');
});

test('a cancel mid-stream stops the model, ends with cancelled and bills what was generated', async () => {
  const fake = fakeModel(Array.from({ length: 50 }, (_, index) => `t${index} `), { delayMs: 10 });
  const { handler, sent, budget } = setup(fake.model, { cancelAfterMs: 60 });
  const outputs = await handler(request(), context());
  const payload = endOf(outputs);
  assert.equal(payload.status, 'error');
  assert.equal(payload.error?.code, 'cancelled');
  assert.equal(payload.finishReason, 'cancelled');
  assert.ok(fake.wasAborted(), 'the model saw the abort');
  assert.ok(payload.content.length > 0 && payload.content.length < 50 * 4, 'stopped part-way');
  assert.equal(sent.map(({ content }) => content).join(''), payload.content);
  const usage = usageOf(outputs);
  assert.equal(usage.outcome, 'cancelled');
  assert.ok(usage.outputTokens > 0, 'the partial answer is billed');
  assert.equal(budget.settled.length, 1);
  assert.ok(budget.settled[0]! > 0 && budget.settled[0]! < budget.reserved[0]!.estimateTokens, `billed ${budget.settled[0]}: not zero, not the whole reservation`);
});

test('a provider failure mid-stream fails over: the backup continues the answer, behind a failover marker', async () => {
  const backup = fakeModel(['c', 'd']);
  const { handler, sent } = setup(fakeModel(['a', 'b', 'c'], { failAfter: 2 }).model, { backup: backup.model });
  const outputs = await handler(request(), context());
  const payload = endOf(outputs);
  assert.equal(payload.status, 'done');
  assert.equal(payload.content, 'abcd');
  assert.deepEqual(payload.servedBy, ['primary', 'backup']);
  assert.deepEqual(sent.filter(({ failover }) => failover !== null).map(({ failover, content }) => [failover, content]),
    [[{ from: 'primary', to: 'backup', reason: 'provider_unavailable', afterOutput: true }, '']]);
  assert.equal(sent.map(({ content }) => content).join(''), 'abcd');
  const continuation = backup.seen[0]!.messages;
  assert.equal(continuation.find((message) => message.role === 'assistant' && message.content === 'ab')?.content, 'ab', 'the backup sees the partial answer');
});

test('when every deployment fails, one retryable provider_unavailable error, with the partial usage billed', async () => {
  const { handler, budget } = setup(fakeModel(['a', 'b', 'c'], { failAfter: 2 }).model);
  const outputs = await handler(request(), context());
  const payload = endOf(outputs);
  assert.equal(payload.status, 'error');
  assert.deepEqual([payload.error?.code, payload.error?.retryable], ['provider_unavailable', true]);
  assert.equal(payload.content, 'ab');
  assert.equal(usageOf(outputs).outcome, 'error');
  assert.ok(budget.settled[0]! > 0, 'what was generated is billed');
});

test('over budget: budget_exceeded before any provider is called', async () => {
  const fake = fakeModel(['x']);
  const { handler, sent } = setup(fake.model, { admit: 0 });
  const outputs = await handler(request(), context());
  const payload = endOf(outputs);
  assert.equal(payload.status, 'error');
  assert.equal(payload.error?.code, 'budget_exceeded');
  assert.equal(fake.seen.length, 0, 'no provider called');
  assert.equal(sent.length, 0, 'nothing streamed');
  assert.deepEqual([usageOf(outputs).outcome, usageOf(outputs).inputTokens, usageOf(outputs).outputTokens], ['budget_exceeded', 0, 0]);
});

test('an unknown model is refused with invalid_request naming the known ones', async () => {
  const fake = fakeModel(['x']);
  const { handler } = setup(fake.model);
  const payload = endOf(await handler(request({ model: 'gpt-9' }), context()));
  assert.equal(payload.error?.code, 'invalid_request');
  assert.match((payload.error as unknown as { message: string }).message, /default/);
  assert.equal(fake.seen.length, 0);
});

test('a request past its deadline is dropped without calling the model', async () => {
  const fake = fakeModel(['x']);
  const { handler, sent } = setup(fake.model);
  const outputs = await handler(request({ deadlineAt: Date.now() - 1 }), context());
  assert.deepEqual(outputs, []);
  assert.equal(fake.seen.length, 0);
  assert.equal(sent.length, 0);
});

test('a second attempt at the same request announces the reset on its first delta', async () => {
  const { handler, sent } = setup(fakeModel(['again']).model, { firstAttempt: false });
  await handler(request(), context());
  assert.equal(sent[0]!.reset, true);
  assert.ok(sent.slice(1).every(({ reset }) => !reset));
});

test('when the worker shuts down mid-stream the event is not finished, so another instance regenerates it', async () => {
  const shutdown = new AbortController();
  const { handler } = setup(fakeModel(Array.from({ length: 50 }, () => 'x'), { delayMs: 10 }).model);
  setTimeout(() => shutdown.abort(), 40);
  await assert.rejects(handler(request(), context(shutdown.signal)));
});

test('auto: a strong tier gets the strong model, but a tenant near its budget is routed to the cheap one; done says which served', async () => {
  const cheap = fakeModel(['cheap answer']);
  const strong = fakeModel(['strong answer']);
  const autoRouter = () => createModelRouter({
    config: parseRouterConfig({
      defaultModel: 'cheap',
      models: {
        cheap: { deployments: [{ name: 'cheap-1', provider: 'openai-compatible', model: 'small-model', baseUrl: 'http://127.0.0.1:9/v1', contextTokens: 4096 }] },
        strong: { deployments: [{ name: 'strong-1', provider: 'openai-compatible', model: 'big-model', baseUrl: 'http://127.0.0.1:9/v1', contextTokens: 4096 }] },
      },
      auto: { cheap: 'cheap', strong: 'strong', strongTiers: ['pro'], budgetReserveRatio: 0.2 },
    }, { env: {} }),
    createModel: (deployment) => (deployment.name === 'cheap-1' ? cheap.model : strong.model),
  });
  const plenty = setup(cheap.model, { router: autoRouter(), standing: { tier: 'pro', ratio: 0.9 } });
  const rich = endOf(await plenty.handler(request({ model: 'auto' }), context()));
  assert.deepEqual([rich.content, rich.servedBy], ['strong answer', ['strong-1']]);
  assert.equal(plenty.budget.reserved[0]!.model, 'strong', 'the budget is counted for the router model that serves');

  const nearlySpent = setup(cheap.model, { router: autoRouter(), standing: { tier: 'pro', ratio: 0.1 } });
  const poor = endOf(await nearlySpent.handler(request({ model: 'auto' }), context()));
  assert.deepEqual([poor.content, poor.servedBy], ['cheap answer', ['cheap-1']]);
  assert.equal(nearlySpent.budget.reserved[0]!.model, 'cheap');
});

test('an answer whose last deltas cannot be sent is still billed once, in full, and the event fails so it is generated again', async () => {
  const budget = budgetGate();
  const handler = createGenerationHandler({
    router: routerOver(fakeModel(['Rivulet ', 'is ', 'an AI backend.']).model),
    budget: budget.gate,
    history: { load: () => Promise.resolve([]) },
    cancellation: { watch: () => Promise.resolve({ signal: new AbortController().signal, release: () => undefined }) },
    attempts: { begin: () => Promise.resolve(true) },
    deltas: new DeltaPublisher(),
    defaultMaxOutputTokens: 256, historyTokenBudget: 1000,
  });
  await assert.rejects(handler(request(), context(undefined, () => Promise.reject(new Error('the broker refused the batch')))), /the broker refused the batch/);
  assert.deepEqual(budget.settled, [45], 'settled once with the provider\'s usage (42 in, 3 out)');
});
