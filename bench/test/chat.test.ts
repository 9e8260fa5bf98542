import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overheadOf } from '../chat/overhead.js';
import { parseHistogramTotals, stageFigures } from '../chat/stage-metrics.js';
import { percentile, summarize } from '../support/latency.js';

test('percentiles are nearest-rank: a measured value, p99 of 60 samples is the largest', () => {
  const samples = Array.from({ length: 60 }, (_, index) => index + 1);
  assert.equal(percentile(samples, 0.5), 30);
  assert.equal(percentile(samples, 0.99), 60);
  const hundred = Array.from({ length: 100 }, (_, index) => 100 - index);
  const summary = summarize(hundred);
  assert.deepEqual([summary.p50, summary.p99, summary.min, summary.max, summary.mean], [50, 99, 1, 100, 50.5]);
  assert.ok(Number.isNaN(summarize([]).p50));
});

test('overhead is pipeline minus in-process per percentile, judged against 4 hops + 10 ms and 60 ms at p99', () => {
  const figures = overheadOf({ pipeline: { p50: 30, p99: 90 }, inProcess: { p50: 14, p99: 40 }, rawHopP50Ms: 1.5, judgeP99: true });
  assert.equal(figures.p50, 16);
  assert.equal(figures.p99, 50);
  assert.equal(figures.hopsBudgetMs, 6);
  assert.equal(figures.ratio, 2.67);
  assert.equal(figures.p50Pass, true); // 16 <= 6 + 10
  assert.equal(figures.p99Pass, true); // 50 <= 60
  const failing = overheadOf({ pipeline: { p50: 31, p99: 120 }, inProcess: { p50: 14, p99: 40 }, rawHopP50Ms: 1.5, judgeP99: true });
  assert.equal(failing.p50Pass, false); // 17 > 16
  assert.equal(failing.p99Pass, false); // 80 > 60
  assert.equal(overheadOf({ pipeline: { p50: 20, p99: 500 }, inProcess: { p50: 14, p99: 40 }, rawHopP50Ms: 1.5, judgeP99: false }).p99Pass, null);
});

test('stage figures: means per consumer group from histogram _sum/_count differences, prefix removed', () => {
  const exposition = (hopSum: number, hopCount: number, handleSum: number) => [
    '# HELP rivulet_stage_latency_seconds Time from an event being created',
    '# TYPE rivulet_stage_latency_seconds histogram',
    `rivulet_stage_latency_seconds_bucket{le="0.01",group="t1.rivulet-retrieval",topic="t1.q"} ${hopCount}`,
    `rivulet_stage_latency_seconds_sum{group="t1.rivulet-retrieval",topic="t1.q"} ${hopSum}`,
    `rivulet_stage_latency_seconds_count{group="t1.rivulet-retrieval",topic="t1.q"} ${hopCount}`,
    `rivulet_consumer_handle_duration_seconds_sum{group="t1.rivulet-retrieval",topic="t1.q",event_type="query-embedded",outcome="ok"} ${handleSum}`,
    `rivulet_consumer_handle_duration_seconds_count{group="t1.rivulet-retrieval",topic="t1.q",event_type="query-embedded",outcome="ok"} ${hopCount}`,
    'rivulet_retrieval_search_duration_seconds_sum{kind="chat"} 0.5',
    'rivulet_retrieval_search_duration_seconds_count{kind="chat"} 100',
    'process_cpu_seconds_total 12',
  ].join('\n');
  const before = parseHistogramTotals(exposition(1, 100, 2));
  assert.equal(before.size, 6);
  const after = parseHistogramTotals(exposition(1.3, 200, 2.5).replace('0.5', '0.8').replace('count{kind="chat"} 100', 'count{kind="chat"} 200'));
  const figures = stageFigures(before, after, 't1.');
  assert.deepEqual(figures.groups['rivulet-retrieval'], { events: 100, hopMs: 3, handleMs: 5, eventsPerBatch: null });
  assert.deepEqual(figures.retrieval, { searches: 100, searchMs: 3 });
  assert.equal(figures.embedding.textsPerCall, null);
});
