import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestPerDocument, distribution, inDomainScores, thresholdTable, type JudgedQuery } from '../quality/score-distribution.js';

const query = (scores: [string, number][], relevant: string[]): JudgedQuery => ({ chunks: scores.map(([documentId, score]) => ({ documentId, score })), relevant: new Set(relevant) });

test('distribution: nearest-rank percentiles, min, max and mean', () => {
  const result = distribution([0.5, 0.1, 0.3, 0.2, 0.4]);
  assert.equal(result.count, 5);
  assert.equal(result.min, 0.1);
  assert.equal(result.max, 0.5);
  assert.equal(result.mean, 0.3);
  assert.equal(result.percentiles.p50, 0.3);
  assert.equal(result.percentiles.p25, 0.2);
  assert.equal(result.percentiles.p99, 0.5);
  assert.equal(result.percentiles.p1, 0.1);
});

test('a document scores its best chunk, best document first', () => {
  assert.deepEqual(bestPerDocument([{ documentId: 'a', score: 0.2 }, { documentId: 'b', score: 0.5 }, { documentId: 'a', score: 0.7 }]),
    [{ documentId: 'a', score: 0.7 }, { documentId: 'b', score: 0.5 }]);
});

test('in-domain scores: relevant pairs by their best chunk, the best non-relevant chunk and the top-1 per query', () => {
  const scores = inDomainScores([
    query([['rel', 0.6], ['rel', 0.4], ['other', 0.3], ['far', 0.1]], ['rel']),
    query([['x', 0.5], ['y', 0.45]], ['y', 'missing']),
  ]);
  assert.deepEqual(scores.relevant, [0.6, 0.45]);
  assert.deepEqual(scores.bestNonRelevant, [0.3, 0.5]);
  assert.deepEqual(scores.top1, [0.6, 0.5]);
});

test('threshold table: what each threshold keeps of the relevant sources and how many off-topic questions get none, how many on-topic ones keep one', () => {
  const queries = [
    query([['rel', 0.6], ['other', 0.3], ['far', 0.1]], ['rel']),
    query([['x', 0.25], ['y', 0.2]], ['y']),
  ];
  const [low, middle, high] = thresholdTable(queries, { unrelated: [0.1, 0.22, 0.35] }, [0, 0.22, 0.5], 2, { related: [0.3, 0.6] });
  // k = 2: query 1 returns rel 0.6 and other 0.3; query 2 returns x 0.25 and y 0.2.
  assert.deepEqual(low, { threshold: 0, relevantKept: 1, answerableKeepRelevant: 1, precisionAtK: 0.5, meanSources: 2, inDomainEmpty: 0, offTopicEmpty: { unrelated: 0 }, onTopicKept: { related: 1 } });
  assert.deepEqual(middle, { threshold: 0.22, relevantKept: 0.5, answerableKeepRelevant: 0.5, precisionAtK: 0.3333, meanSources: 1.5, inDomainEmpty: 0, offTopicEmpty: { unrelated: 0.3333 }, onTopicKept: { related: 1 } });
  assert.deepEqual(high, { threshold: 0.5, relevantKept: 0.5, answerableKeepRelevant: 0.5, precisionAtK: 1, meanSources: 0.5, inDomainEmpty: 0.5, offTopicEmpty: { unrelated: 1 }, onTopicKept: { related: 0.5 } });
});
