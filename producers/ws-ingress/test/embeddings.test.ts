// POST /v1/embeddings on a real ingress with the real ONNX model: the input's limits, each refused
// with a 4xx that names `input` and the limit, and the input run in batches of INGRESS_EMBEDDINGS_BATCH_SIZE.
// The memory, /ready and disconnect behaviour under the largest input is e2e/test/embeddings-load.test.ts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { loadWordPieceTokenizer, type Tokenizer } from '@rivulet/embedding';
import { createIngressHarness, type IngressHarness } from './support/harness.js';

const home = process.env.RIVULET_HOME ?? fileURLToPath(new URL('../../../.rivulet', import.meta.url));
const modelDirectory = join(home, 'models', 'all-minilm-l6-v2');
const MAX_TOKENS = 200;
const BATCH_SIZE = 4;

let harness: IngressHarness;
let tokenizer: Tokenizer;
before(async () => {
  [harness, tokenizer] = await Promise.all([
    createIngressHarness({ EMBEDDING_MODEL_DIR: modelDirectory, INGRESS_EMBEDDINGS_BATCH_SIZE: String(BATCH_SIZE), INGRESS_EMBEDDINGS_MAX_TOKENS: String(MAX_TOKENS) }),
    loadWordPieceTokenizer({ modelDirectory }),
  ]);
});
after(() => harness?.close());

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; retryable: boolean }; data?: { index: number; embedding: number[] }[]; usage?: { prompt_tokens: number } };
}

const embed = async (input: unknown): Promise<Answer> => {
  const response = await harness.request('/v1/embeddings', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
  return { status: response.status, body: await response.json() as Answer['body'] };
};

const batches = async (): Promise<number> => {
  const text = await (await fetch(`${harness.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith('rivulet_ingress_embedding_batches_total '));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
};

/** A text of `tokens` model tokens, special tokens included. */
const textOf = (tokens: number, seed: string): string => {
  const parts = [seed];
  while (tokenizer.countTokens([...parts, 'harbour'].join(' ')) <= tokens) parts.push('harbour');
  // "a" is one token: top up to the exact count.
  while (tokenizer.countTokens(parts.join(' ')) < tokens) parts.push('a');
  assert.equal(tokenizer.countTokens(parts.join(' ')), tokens, `a text of exactly ${tokens} tokens`);
  return parts.join(' ');
};

const refused = (answer: Answer, status: number, code: string, mentions: string[]): void => {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.error?.code, code);
  assert.equal(answer.body.error?.retryable, false);
  for (const text of mentions) assert.ok(answer.body.error.message.includes(text), `the message names ${text}: ${answer.body.error.message}`);
};

test('an input over INGRESS_EMBEDDINGS_MAX_TOKENS in total: 413 payload_too_large naming input and the limit, before any model run', async () => {
  // Warm the model up, so a run on the refused request would show in the counter.
  assert.equal((await embed('warm up')).status, 200);
  const before = await batches();
  const texts = [textOf(80, 'one'), textOf(80, 'two'), textOf(80, 'three')];
  refused(await embed(texts), 413, 'payload_too_large', ['"input"', String(MAX_TOKENS)]);
  assert.equal(await batches(), before, 'no model run for the refused request');
  const fits = await embed(texts.slice(0, 2));
  assert.equal(fits.status, 200);
  assert.equal(fits.body.usage?.prompt_tokens, 160);
});

test('a string longer than the model reads: 400 invalid_request naming the string and the model\'s 256 tokens', async () => {
  const long = Array.from({ length: 300 }, (_, index) => `w${index}`).join(' ');
  refused(await embed(['short', long]), 400, 'invalid_request', ['"input[1]"', 'at most 256']);
});

test('more strings or longer strings than accepted: 400 invalid_request naming input, the count and the limit', async () => {
  refused(await embed(Array.from({ length: 257 }, () => 'x')), 400, 'invalid_request', ['"input"', '257', '256']);
  refused(await embed(['fine', 'y'.repeat(32_001)]), 400, 'invalid_request', ['"input[1]"', '32001', '32000']);
  refused(await embed(['fine', 7]), 400, 'invalid_request', ['"input[1]"']);
  refused(await embed([]), 400, 'invalid_request', ['"input"']);
});

test(`the input runs in batches of INGRESS_EMBEDDINGS_BATCH_SIZE (${BATCH_SIZE}), in order, with the vectors one text alone gets`, async () => {
  const texts = Array.from({ length: 10 }, (_, index) => `batch ${index}: the tide came in at ${'dawn '.repeat(index + 1)}`);
  const before = await batches();
  const all = await embed(texts);
  assert.equal(all.status, 200);
  assert.equal(await batches() - before, Math.ceil(texts.length / BATCH_SIZE), 'one model run per batch');
  assert.deepEqual(all.body.data?.map(({ index }) => index), texts.map((_, index) => index));
  for (const index of [0, 5, 9]) {
    const alone = await embed(texts[index]);
    const [left, right] = [all.body.data[index]!.embedding, alone.body.data![0]!.embedding];
    const cosine = left.reduce((sum, value, dimension) => sum + value * right[dimension]!, 0);
    assert.ok(cosine > 0.9999, `text ${index}: the same vector in a batch as alone (cosine ${cosine})`);
  }
});
