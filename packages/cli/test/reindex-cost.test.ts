// --max-cost against a provider that reports no usage, and against failed calls that may have
// been billed: both are counted at their upper bound, so the counted spend never passes the cap.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createOpenAiCompatibleEmbeddingModel, type EmbeddingModel } from '@rivulet/embedding';
import { startFakeOpenAI, type FakeProviderServer } from '@rivulet/fake-providers';
import { CostMeter, ReindexStop, tokenBound } from '../src/commands/reindex-limits.js';

let fake: FakeProviderServer;
before(async () => {
  fake = await startFakeOpenAI({ embeddingDimension: 8, omitUsage: true });
});
after(async () => {
  await fake?.close();
});

const remote = (meter: CostMeter): EmbeddingModel =>
  createOpenAiCompatibleEmbeddingModel({ baseURL: fake.url, model: 'fake-embed', dimension: 8, apiKey: 'test-key', onUsage: meter.onUsage });

const wordsBilled = (from: number): number => fake.requests.slice(from).filter((request) => request.path === '/v1/embeddings')
  .reduce((sum, request) => sum + (request.body as { input: string[] }).input.reduce((words, text) => words + text.split(/\s+/).filter(Boolean).length, 0), 0);

test('a provider that omits usage: each call is counted at its upper bound, and the cap stops the run before it could pass', async () => {
  fake.setBehaviour({ omitUsage: true });
  const meter = new CostMeter(1_000, 0.5); // $0.001 a token: 500 tokens
  const model = remote(meter);
  const texts = ['one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen'];
  const bound = tokenBound(texts[0]!);
  const from = fake.requests.length;
  let calls = 0;
  try {
    for (;;) {
      await meter.call(texts, () => model.embed(texts));
      calls += 1;
    }
  } catch (error) {
    assert.ok(error instanceof ReindexStop && error.code === 'cost_cap_reached', String(error));
  }
  assert.equal(calls, Math.floor(500 / bound), 'as many calls as fit at their bound');
  assert.equal(meter.spentTokens, calls * bound, 'no usage reported: counted at the bound, not at 0');
  assert.equal(meter.estimatedTokens, calls * bound);
  assert.ok(meter.spentUsd! <= 0.5);
  assert.ok(wordsBilled(from) * 1_000 / 1e6 <= meter.spentUsd!, 'what the provider billed is never above what was counted');
  await model.close();
});

test('a call that failed after it was sent (5xx, possibly billed) is counted at its bound; usage, when reported, is counted as reported', async () => {
  const meter = new CostMeter(1_000, 10);
  const model = remote(meter);
  const texts = ['alpha beta gamma'];
  fake.setBehaviour({ fail: { status: 500 } });
  await assert.rejects(meter.call(texts, () => model.embed(texts)), (error: unknown) => (error as { code?: string }).code === 'server_error');
  assert.equal(meter.spentTokens, tokenBound(texts[0]!), 'the failed attempt counts at its bound');
  fake.setBehaviour({});
  await meter.call(texts, () => model.embed(texts));
  assert.equal(meter.spentTokens, tokenBound(texts[0]!) + 3, 'then 3 words as the provider reported them');
  assert.equal(meter.estimatedTokens, tokenBound(texts[0]!));
  await model.close();
});
