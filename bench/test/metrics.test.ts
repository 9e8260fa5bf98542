import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, ndcgAt, rankingOf, recallAt } from '../quality/metrics.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`);

test('nDCG@10 with binary relevance, worked by hand', () => {
  // Relevant: b (rank 2) and d (not retrieved). DCG = 1/log2(3); ideal = 1 + 1/log2(3).
  const judged = new Map([['b', 1], ['d', 1]]);
  close(ndcgAt(['a', 'b', 'c'], judged, 10), (1 / Math.log2(3)) / (1 + 1 / Math.log2(3)));
  close(ndcgAt(['b', 'd'], judged, 10), 1);
  close(ndcgAt(['x', 'y'], judged, 10), 0);
});

test('nDCG uses linear gains and takes the ideal from the qrels, not from what was retrieved', () => {
  const judged = new Map([['a', 2], ['b', 1], ['c', 0]]);
  // Retrieved b, c, a: DCG = 1/1 + 0 + 2/log2(4) = 2. Ideal a, b: 2/1 + 1/log2(3).
  close(ndcgAt(['b', 'c', 'a'], judged, 10), 2 / (2 + 1 / Math.log2(3)));
  // Only the first k count, in the ranking and in the ideal.
  close(ndcgAt(['b', 'a'], judged, 1), 1 / 2);
});

test('Recall@k counts relevant documents in the first k over all relevant ones', () => {
  const judged = new Map([['a', 1], ['b', 1], ['z', 0]]);
  assert.equal(recallAt(['a', 'x', 'b'], judged, 2), 0.5);
  assert.equal(recallAt(['a', 'x', 'b'], judged, 3), 1);
  assert.equal(recallAt(['z'], judged, 10), 0);
});

test('ranking: by score, ties by document id descending (trec_eval), identical ids dropped (BEIR default)', () => {
  const results = [{ documentId: 'a', score: 0.5 }, { documentId: 'b', score: 0.5 }, { documentId: 'q1', score: 0.9 }, { documentId: 'c', score: 0.7 }];
  assert.deepEqual(rankingOf(results, 'q1'), ['c', 'b', 'a']);
  assert.deepEqual(rankingOf(results, 'q1', false), ['q1', 'c', 'b', 'a']);
});

test('evaluate averages over the judged queries that were run, an empty result scoring 0', () => {
  const qrels = new Map([['q1', new Map([['a', 1]])], ['q2', new Map([['b', 1]])], ['q3', new Map([['c', 1]])]]);
  const scores = evaluate(new Map([['q1', [{ documentId: 'a', score: 1 }]], ['q2', []]]), qrels);
  assert.equal(scores.queries, 2, 'q3 was not run');
  close(scores.ndcgAt10, 0.5);
  close(scores.recallAt10, 0.5);
  close(scores.recallAt100, 0.5);
});
