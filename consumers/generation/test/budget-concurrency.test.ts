// The property the issue asks for: 200 concurrent reserve -> settle cycles over several Redis
// connections against a budget that admits 50 estimates never spend past it, whatever the order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { createRedisBudgetLedger, type BudgetLedger } from '../src/budget/index.js';
import { connectRedis, counter, removeKeys, seededRandom, uniquePrefix } from './support/budget-redis.js';

const CONNECTIONS = 8;
const REQUESTS = 200;
const ADMITTED = 50;
const SEEDS = [1, 7, 42, 2026];

let connections: Redis[] = [];

before(async () => {
  connections = await Promise.all(Array.from({ length: CONNECTIONS }, connectRedis));
});
after(() => {
  for (const redis of connections) redis.disconnect();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface RunOutcome {
  admitted: number;
  limit: number;
  estimate: number;
  charged: number;
  finalUsed: number;
  highestUsed: number;
}

/**
 * One run: every cycle reserves `estimate` on one of the connections, waits a little, settles with
 * its actual use (the estimate, or a random share of it), then samples the count. A sampler on
 * another connection reads the count throughout.
 */
const run = async (seed: number, { exact, staggered }: { exact: boolean; staggered: boolean }): Promise<RunOutcome> => {
  const random = seededRandom(seed);
  const estimate = 50 + Math.floor(random() * 200);
  const budget = counter(`tenant:property-${seed}:model:*:day`, ADMITTED * estimate);
  const prefix = uniquePrefix();
  const ledgers: BudgetLedger[] = connections.map((redis) => createRedisBudgetLedger({ redis, prefix }));
  const samples: number[] = [];
  const sample = async (ledger: BudgetLedger): Promise<void> => {
    samples.push((await ledger.remaining([budget]))[0]!.used);
  };
  let running = true;
  const sampler = (async () => {
    while (running) await sample(ledgers[0]!);
  })();
  let admitted = 0;
  let charged = 0;
  try {
    await Promise.all(Array.from({ length: REQUESTS }, async (_, index) => {
      const ledger = ledgers[index % CONNECTIONS]!;
      const startDelay = staggered ? random() * 10 : 0;
      const holdDelay = random() * 5;
      const actual = exact ? estimate : Math.floor(random() * (estimate + 1));
      if (startDelay > 0) await sleep(startDelay);
      const reservationId = `request-${index}`;
      const result = await ledger.reserve({ reservationId, counters: [budget], tokens: estimate, ttlMs: 60_000 });
      if (!result.ok) {
        assert.equal(result.limit, budget.limit);
        assert.ok(result.used + estimate > budget.limit, 'refused only when the estimate does not fit');
        return;
      }
      admitted += 1;
      await sleep(holdDelay);
      assert.equal(await ledger.settle({ reservationId, tokens: actual }), 'settled');
      charged += actual;
      await sample(ledger);
    }));
  } finally {
    running = false;
    await sampler;
  }
  const finalUsed = (await ledgers[1]!.remaining([budget]))[0]!.used;
  await removeKeys(connections[0]!, prefix);
  return { admitted, limit: budget.limit, estimate, charged, finalUsed, highestUsed: Math.max(...samples) };
};

for (const seed of SEEDS) {
  test(`seed ${seed}: 200 at once, each using its whole estimate: exactly 50 admitted, never past the limit`, async () => {
    const outcome = await run(seed, { exact: true, staggered: false });
    assert.equal(outcome.admitted, ADMITTED);
    assert.equal(outcome.finalUsed, outcome.limit);
    assert.equal(outcome.charged, outcome.limit);
    assert.ok(outcome.highestUsed <= outcome.limit, `sampled ${outcome.highestUsed} > ${outcome.limit}`);
  });

  test(`seed ${seed}: staggered, each using a random share of its estimate: refunds admit more, never past the limit`, async () => {
    const outcome = await run(seed, { exact: false, staggered: true });
    // A refusal needs more than limit - estimate counted, which at most `estimate` per admitted
    // request means at least 50 admitted; without refusals all 200 are.
    assert.ok(outcome.admitted >= ADMITTED, `admitted ${outcome.admitted}`);
    assert.equal(outcome.finalUsed, outcome.charged, 'nothing held once all are settled; every use counted once');
    assert.ok(outcome.finalUsed <= outcome.limit);
    assert.ok(outcome.highestUsed <= outcome.limit, `sampled ${outcome.highestUsed} > ${outcome.limit}`);
  });
}
