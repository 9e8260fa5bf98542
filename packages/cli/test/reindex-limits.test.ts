import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CostMeter, ReindexStop, TokenBucket, tokenBound } from '../src/commands/reindex-limits.js';

test('the token bucket lets a burst through, then paces takes at the rate', async () => {
  let clock = 0;
  const slept: number[] = [];
  const bucket = new TokenBucket(10, 10, () => clock, (ms) => {
    slept.push(Math.round(ms));
    clock += ms;
    return Promise.resolve();
  });
  await bucket.take(10);
  assert.deepEqual(slept, [], 'the burst');
  await bucket.take(5);
  assert.deepEqual(slept, [500], '5 more at 10/s: half a second');
  await bucket.take(30);
  assert.equal(clock, 500 + 1000, 'a take above the burst waits for a full bucket, then goes into debt');
  await bucket.take(1);
  assert.ok(clock >= 500 + 1000 + 2000, 'and the debt is paid at the rate');
});

test('the cost meter refuses a batch whose upper bound could pass the cap, counting what running batches hold', () => {
  const meter = new CostMeter(1_000, 0.3); // $0.001 a token: the cap is 300 tokens
  const texts = ['a'.repeat(98)];
  assert.equal(tokenBound(texts[0]!), 100);
  const first = meter.reserve(texts);
  meter.record(40);
  assert.throws(() => meter.reserve(texts.concat(texts)), (error: unknown) => error instanceof ReindexStop && error.code === 'cost_cap_reached', '40 spent + 100 held + 200 > 300');
  first();
  assert.doesNotThrow(() => meter.reserve(['a'.repeat(200)]), '40 spent + 202 = 242 <= 300 once the first batch let go');
  assert.equal(meter.spentTokens, 40);
  assert.equal(meter.spentUsd, 0.04);
  assert.equal(new CostMeter(undefined, undefined).spentUsd, null, 'unpriced');
});
