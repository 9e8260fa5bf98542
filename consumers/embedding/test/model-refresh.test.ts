import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EmbeddingModel, ModelSpec } from '@rivulet/embedding';
import { startModelRefresh, type ActiveModel, type ModelIdentity } from '../src/index.js';

const model = (id: string, version: string, dimension = 4, closed: string[] = []): EmbeddingModel => ({
  id, version, dimension, maxTokens: 256, tokenizer: undefined,
  embed: (texts) => Promise.resolve(texts.map(() => new Float32Array(dimension))),
  close: () => Promise.resolve(void closed.push(`${id}/${version}`)),
});

const spec: ModelSpec = { provider: 'openai-compatible', model: 'embed-b', dimension: 8, baseUrl: 'http://127.0.0.1:1/v1', apiKeyEnv: 'EMBEDDING_OPENAI_API_KEY' };

/** A refresher over an in-memory "active index version" and a current model, with its loads and swaps recorded. */
const harness = (active: ActiveModel | undefined, loads: (spec: ModelSpec) => EmbeddingModel) => {
  let current: ModelIdentity = { id: 'embed-a', version: 'v1', dimension: 4 };
  const loaded: ModelSpec[] = [];
  const swapped: string[] = [];
  const errors: string[] = [];
  const refresh = startModelRefresh({
    readActive: () => Promise.resolve(active), current: () => current, intervalMs: 0, retryAfterMs: 60_000,
    load: (next) => {
      loaded.push(next);
      return Promise.resolve(loads(next));
    },
    swap: (next) => {
      current = next;
      swapped.push(next.id);
      return Promise.resolve();
    },
    onError: (error, stage) => errors.push(`${stage}: ${error.message}`),
  });
  return { refresh, loaded, swapped, errors, current: () => current };
};

test('the active version\'s model in use, or no spec (the bootstrap version): nothing is loaded', async () => {
  const same = harness({ id: 1, modelId: 'embed-a', modelVersion: 'v1', dimension: 4, modelSpec: null }, () => assert.fail('no load'));
  assert.equal(await same.refresh.check(), 'unchanged');
  const bootstrap = harness({ id: 2, modelId: 'embed-b', modelVersion: 'v1', dimension: 8, modelSpec: null }, () => assert.fail('no load'));
  assert.equal(await bootstrap.refresh.check(), 'bootstrap', 'a version the indexer created names no model: the configured one stays');
  assert.equal(await harness(undefined, () => assert.fail('no load')).refresh.check(), 'unchanged');
});

test('another active model with a spec: loaded, checked against the index version, swapped in', async () => {
  const state = harness({ id: 3, modelId: 'embed-b', modelVersion: 'v2', dimension: 8, modelSpec: spec }, () => model('embed-b', 'v2', 8));
  assert.equal(await state.refresh.check(), 'swapped');
  assert.deepEqual(state.loaded, [spec]);
  assert.deepEqual(state.swapped, ['embed-b']);
  assert.equal(await state.refresh.check(), 'unchanged', 'once in use, nothing more happens');
});

test('a spec that loads another model than the index version expects is refused, closed, and not retried at every poll', async () => {
  const closed: string[] = [];
  const state = harness({ id: 4, modelId: 'embed-b', modelVersion: 'v2', dimension: 8, modelSpec: spec }, () => model('embed-b', 'v3', 8, closed));
  assert.equal(await state.refresh.check(), 'failed');
  assert.deepEqual(closed, ['embed-b/v3']);
  assert.deepEqual(state.swapped, []);
  assert.match(state.errors[0]!, /^mismatch: .*not embed-b \(v2, 8\)/);
  assert.equal(await state.refresh.check(), 'failed');
  assert.equal(state.loaded.length, 1, 'tried again only after retryAfterMs');
  assert.equal(state.current().id, 'embed-a');
});

test('a model that fails its probe (a remote model without a working key) is closed and never swapped in; retried later', async () => {
  const closed: string[] = [];
  const failing: EmbeddingModel = { ...model('embed-b', 'v2', 8, closed), embed: () => Promise.reject(Object.assign(new Error('401 Unauthorized'), { code: 'unauthorized' })) };
  const state = harness({ id: 5, modelId: 'embed-b', modelVersion: 'v2', dimension: 8, modelSpec: spec }, () => failing);
  assert.equal(await state.refresh.check(), 'failed');
  assert.deepEqual(state.swapped, []);
  assert.deepEqual(closed, ['embed-b/v2']);
  assert.match(state.errors[0]!, /^probe: .*unauthorized.*keeping embed-a/);
  assert.equal(state.current().id, 'embed-a');
  const wrongLength = harness({ id: 6, modelId: 'embed-b', modelVersion: 'v2', dimension: 8, modelSpec: spec }, () => ({ ...model('embed-b', 'v2', 8), embed: (texts) => Promise.resolve(texts.map(() => new Float32Array(3))) }));
  assert.equal(await wrongLength.refresh.check(), 'failed');
  assert.match(wrongLength.errors[0]!, /^probe: /);
});

test('a swap, an onSwapped or an onError that throws is reported, never an unhandled rejection', async () => {
  const errors: string[] = [];
  const refresh = startModelRefresh({
    readActive: () => Promise.resolve({ id: 7, modelId: 'embed-b', modelVersion: 'v2', dimension: 8, modelSpec: spec }),
    current: () => ({ id: 'embed-a', version: 'v1', dimension: 4 }), intervalMs: 0,
    load: () => Promise.resolve(model('embed-b', 'v2', 8)),
    swap: () => Promise.reject(new Error('swap broke')),
    onError: (error, stage) => {
      errors.push(`${stage}: ${error.message}`);
      throw new Error('reporter broke');
    },
  });
  assert.equal(await refresh.check(), 'failed');
  assert.deepEqual(errors, ['swap: swap broke']);
  const swappedErrors: string[] = [];
  const second = startModelRefresh({
    readActive: () => Promise.resolve({ id: 8, modelId: 'embed-b', modelVersion: 'v2', dimension: 8, modelSpec: spec }),
    current: () => ({ id: 'embed-a', version: 'v1', dimension: 4 }), intervalMs: 0,
    load: () => Promise.resolve(model('embed-b', 'v2', 8)), swap: () => Promise.resolve(),
    onSwapped: () => {
      throw new Error('metrics broke');
    },
    onError: (error, stage) => swappedErrors.push(`${stage}: ${error.message}`),
  });
  assert.equal(await second.check(), 'swapped');
  assert.deepEqual(swappedErrors, ['swapped: metrics broke']);
});
