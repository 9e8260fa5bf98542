import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '@rivulet/config';
import { retrievalConfigSchema } from '../src/index.js';

test('retrieval defaults: ef_search 100, the pgvector scan budget, chunks below 0.3 (measured for all-MiniLM-L6-v2) dropped', () => {
  const config = loadConfig(retrievalConfigSchema, {});
  assert.equal(config.RETRIEVAL_EF_SEARCH, 100);
  assert.equal(config.RETRIEVAL_MAX_SCAN_TUPLES, 20_000);
  assert.equal(config.RETRIEVAL_MIN_SCORE, 0.3);
  assert.equal(config.RETRIEVAL_DATABASE_POOL_SIZE, 8);
  assert.equal(config.RETRIEVAL_STATEMENT_TIMEOUT, 5000);
  assert.equal(config.KAFKA_CLIENT_ID, 'rivulet-retrieval');
  assert.equal(loadConfig(retrievalConfigSchema, { RETRIEVAL_MIN_SCORE: '0.35' }).RETRIEVAL_MIN_SCORE, 0.35);
});

test('a bad value fails at start with the variable\'s name', () => {
  for (const env of [{ RETRIEVAL_MIN_SCORE: '1.5' }, { RETRIEVAL_MIN_SCORE: 'high' }, { RETRIEVAL_EF_SEARCH: '1001' }, { RETRIEVAL_EF_SEARCH: '0' }]) {
    const name = Object.keys(env)[0]!;
    assert.throws(() => loadConfig(retrievalConfigSchema, env), (error: unknown) => error instanceof ConfigError && error.message.includes(name), name);
  }
});
