import { summarize, type LatencySummary } from '../support/latency.js';
import { round } from '../support/report.js';
import type { InProcessTiming } from './in-process.js';
import type { HopMeasurements, HopResult } from './kafka-hop.js';
import type { LocalModelResult } from './local-model.js';
import { formatGrid, HOPS_TO_FIRST_DELTA, overheadOf, TARGETS, type OverheadFigures } from './overhead.js';
import type { StageFigures } from './stage-metrics.js';
import type { Answered, StreamsResult } from './streams.js';
import type { AnswerTiming } from './ws-client.js';

/**
 * The in-process measurements before and after the pipeline's: pooled (every sample, for the
 * means and the record), and the baseline the verdict uses: per percentile, the lower of the two
 * halves. Noise on a shared machine only ever adds time, so a spike in one half (someone's build)
 * cannot shrink the overhead and pass the pipeline; it can only make the verdict stricter.
 */
export const pooled = <T extends Answered>(before: StreamsResult<T>, after: StreamsResult<T>): StreamsResult<T> & { baseline: Baseline; halves: Baseline[] } => {
  const answers = [...before.answers, ...after.answers];
  const half = (result: StreamsResult<T>): Baseline => ({ firstDelta: result.firstDelta, done: result.done });
  const better = (key: keyof Baseline) => ({ p50: Math.min(before[key].p50, after[key].p50), p99: Math.min(before[key].p99, after[key].p99) });
  return {
    streams: before.streams, requests: answers.length, answers, seconds: before.seconds + after.seconds,
    firstDelta: summarize(answers.map((answer) => answer.firstDeltaMs)), done: summarize(answers.map((answer) => answer.doneMs)),
    baseline: { firstDelta: better('firstDelta'), done: better('done') },
    halves: [half(before), half(after)],
  };
};

/** p50 and p99 of the in-process answers, first delta and done. */
export interface Baseline {
  firstDelta: Pick<LatencySummary, 'p50' | 'p99'>;
  done: Pick<LatencySummary, 'p50' | 'p99'>;
}

/** What cpuBudget().stop() reports. */
export interface CpuSpent { wallSeconds: number; capacitySeconds: number; machineBusySeconds: number; byProcess: Record<string, number>; otherSeconds: number }

export const sumCpu = (a: CpuSpent, b: CpuSpent): CpuSpent => ({
  wallSeconds: a.wallSeconds + b.wallSeconds, capacitySeconds: a.capacitySeconds + b.capacitySeconds,
  machineBusySeconds: round(a.machineBusySeconds + b.machineBusySeconds, 1), otherSeconds: round(a.otherSeconds + b.otherSeconds, 1),
  byProcess: Object.fromEntries([...new Set([...Object.keys(a.byProcess), ...Object.keys(b.byProcess)])].map((name) => [name, round((a.byProcess[name] ?? 0) + (b.byProcess[name] ?? 0), 1)])),
});

/** CPU spent, and CPU milliseconds per answer: every process of ours together, and each. */
export const cpuPerAnswer = (cpu: CpuSpent, answers: number) => {
  const ours = Object.values(cpu.byProcess).reduce((sum, seconds) => sum + seconds, 0);
  return {
    ...cpu, answers,
    oursMsPerAnswer: round((ours * 1000) / answers, 1),
    msPerAnswer: Object.fromEntries(Object.entries(cpu.byProcess).map(([name, seconds]) => [name, round((seconds * 1000) / answers, 1)])),
  };
};

interface Phase {
  pipeline: StreamsResult<AnswerTiming>;
  inProcess: ReturnType<typeof pooled<InProcessTiming>>;
  stages: StageFigures;
  cpu: { pipeline: ReturnType<typeof cpuPerAnswer>; inProcess: ReturnType<typeof cpuPerAnswer> };
}

export interface Verdict {
  oneStream: { firstDelta: OverheadFigures; done: OverheadFigures };
  manyStreams: { firstDelta: OverheadFigures; done: OverheadFigures };
  rawHopP50Ms: number;
  hops: number;
  /** Every judged figure passes. */
  pass: boolean;
}

export const verdicts = ({ one, many, rawHopP50Ms }: { one: Phase; many: Phase; rawHopP50Ms: number }): Verdict => {
  const of = (phase: Phase, judgeP99: boolean) => ({
    firstDelta: overheadOf({ pipeline: phase.pipeline.firstDelta, inProcess: phase.inProcess.baseline.firstDelta, rawHopP50Ms, judgeP99 }),
    done: overheadOf({ pipeline: phase.pipeline.done, inProcess: phase.inProcess.baseline.done, rawHopP50Ms, judgeP99 }),
  });
  const oneStream = of(one, false);
  const manyStreams = of(many, true);
  const all = [oneStream.firstDelta, oneStream.done, manyStreams.firstDelta, manyStreams.done];
  return { oneStream, manyStreams, rawHopP50Ms, hops: HOPS_TO_FIRST_DELTA, pass: all.every((figures) => figures.p50Pass && figures.p99Pass !== false) };
};

const ms = (value: number | null | undefined): string => (value === null || value === undefined || Number.isNaN(value) ? 'n/a' : round(value, 1).toFixed(1));
const verdictText = (pass: boolean | null, figure: number, limit: number): string =>
  pass === null ? '' : `${pass ? 'PASS' : 'FAIL'} (${ms(figure)} ${pass ? '<=' : '>'} ${ms(limit)})`;
const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
const print = (lines: string[]) => lines.forEach((line) => console.log(line));

export const printReport = ({ one, many, hops, verdict, local, streams, problems, otherPipelines }: {
  one: Phase; many: Phase; hops: HopMeasurements; verdict: Verdict; local: LocalModelResult | { error: string } | 'skipped';
  streams: number; problems: string[]; otherPipelines: { pid: number; command: string }[];
}): void => {
  const cells = [
    { phase: one, figures: verdict.oneStream.firstDelta, key: 'firstDelta' as const },
    { phase: one, figures: verdict.oneStream.done, key: 'done' as const },
    { phase: many, figures: verdict.manyStreams.firstDelta, key: 'firstDelta' as const },
    { phase: many, figures: verdict.manyStreams.done, key: 'done' as const },
  ];
  const row = (label: string, value: (cell: (typeof cells)[number]) => string) => [label, ...cells.map(value)];
  console.log(`\nLatency from sending \`chat\` to the first delta and to done, ms (baseline: the same answers in-process, no Kafka; ${verdict.hops} hops to the first delta; raw hop p50 ${ms(verdict.rawHopP50Ms)} ms)`);
  print(formatGrid(['', '1 stream: first delta', '1 stream: done', `${streams} streams: first delta`, `${streams} streams: done`], [
    row('pipeline p50 / p99', ({ phase, key }) => `${ms(phase.pipeline[key].p50)} / ${ms(phase.pipeline[key].p99)}`),
    row('in-process p50 / p99 (better half)', ({ phase, key }) => `${ms(phase.inProcess.baseline[key].p50)} / ${ms(phase.inProcess.baseline[key].p99)}`),
    row('  before | after the pipeline', ({ phase, key }) => phase.inProcess.halves.map((half) => `${ms(half[key].p50)}/${ms(half[key].p99)}`).join(' | ')),
    row('overhead p50 / p99', ({ figures }) => `${ms(figures.p50)} / ${ms(figures.p99)}`),
    row(`${verdict.hops} x raw hop p50`, ({ figures }) => ms(figures.hopsBudgetMs)),
    row('overhead p50 / (hops x raw hop)', ({ figures }) => String(figures.ratio ?? 'n/a')),
    row(`p50: overhead <= hops x hop + ${TARGETS.p50SlackMs}`, ({ figures }) => verdictText(figures.p50Pass, figures.p50, figures.hopsBudgetMs + TARGETS.p50SlackMs)),
    row(`p99 at ${streams} streams: overhead <= ${TARGETS.p99At20StreamsMs}`, ({ figures }) => verdictText(figures.p99Pass, figures.p99, TARGETS.p99At20StreamsMs)),
    row('samples (pipeline, in-process)', ({ phase }) => `${phase.pipeline.requests}, ${phase.inProcess.requests}`),
    row('answers/s (pipeline, in-process)', ({ phase }) => `${round(phase.pipeline.requests / phase.pipeline.seconds, 1)}, ${round(phase.inProcess.requests / phase.inProcess.seconds, 1)}`),
  ]));
  console.log(`  verdict: ${verdict.pass ? 'PASS' : 'FAIL'}`);

  const { settings } = hops;
  console.log(`\nOne Kafka hop, send() to the consumer's callback, ms (same broker; producer and consumer set as the pipeline's; ${settings.messages} messages each)`);
  const hopRow = (label: string, result: HopResult) => [label, ms(result.hop.p50), ms(result.hop.p99), ms(result.produce.p50), ms(result.produce.p99), result.brokerCpuMsPerMessage ?? 'n/a'];
  print(formatGrid(['', 'hop p50', 'hop p99', 'produce ack p50', 'produce ack p99', 'broker CPU ms/msg'], [
    hopRow(`raw kafkajs, into a waiting consumer (the baseline)`, hops.raw.waiting),
    hopRow('raw kafkajs, back-to-back (commit after every batch)', hops.raw.backToBack),
    hopRow('raw kafkajs, back-to-back, autoCommit off', hops.raw.backToBackNoCommit),
    hopRow(`raw kafkajs, ${settings.concurrent} send() at a time`, hops.raw.concurrent),
    hopRow(`raw kafkajs, ${settings.concurrent} send() at a time, autoCommit off`, hops.raw.concurrentNoCommit),
    hopRow(`raw kafkajs, ${settings.concurrent} in one send(), autoCommit off`, hops.raw.concurrentOneRequest),
    hopRow('EventProducer + Worker, into a waiting consumer', hops.runtime.waiting),
    hopRow(`EventProducer + Worker, ${settings.concurrent} send() at a time`, hops.runtime.concurrent),
    hopRow(`EventProducer + Worker, handler busy ${settings.busyMs} ms, one event every ${settings.busyGapMs} ms`, hops.runtime.busyHandler),
  ]));

  console.log('\nWhere the time goes (means, ms from sending `chat`)');
  const clientRow = (label: string, phase: Phase) => {
    const answers = phase.pipeline.answers;
    return [label, ms(mean(answers.map((a) => a.ackMs))), ms(mean(answers.map((a) => a.sourcesMs))), ms(mean(answers.map((a) => a.firstDeltaMs))), ms(mean(answers.map((a) => a.doneMs))), round(mean(answers.map((a) => a.deltaFrames)), 1)];
  };
  print(formatGrid(['pipeline (client side)', 'ack', 'sources', 'first delta', 'done', 'delta frames'], [clientRow('1 stream', one), clientRow(`${streams} streams`, many)]));
  const baselineRow = (label: string, phase: Phase) => {
    const answers = phase.inProcess.answers;
    return [label, ms(mean(answers.map((a) => a.embeddedMs))), ms(mean(answers.map((a) => a.retrievedMs))), ms(mean(answers.map((a) => a.firstDeltaMs))), ms(mean(answers.map((a) => a.doneMs)))];
  };
  print(formatGrid(['in-process', 'embedded', 'retrieved', 'first token', 'done'], [baselineRow('1 stream', one), baselineRow(`${streams} streams`, many)]));

  console.log('\nPer stage, from the processes\' /metrics: hop = event created upstream -> handled here; handle = handler + publishing its outputs (ms, means)');
  const groups = [...new Set([...Object.keys(one.stages.groups), ...Object.keys(many.stages.groups)])].sort();
  const stage = (phase: Phase, group: string) => {
    const figures = phase.stages.groups[group];
    return figures ? `${ms(figures.hopMs)} / ${ms(figures.handleMs)} / ${figures.eventsPerBatch ?? 'n/a'}` : 'n/a';
  };
  print(formatGrid(['consumer group', '1 stream: hop / handle / events per fetch', `${streams} streams: hop / handle / events per fetch`], [
    ...groups.map((group) => [group, stage(one, group), stage(many, group)]),
    ['embedding model call (texts per call; cache hits)', ...[one, many].map(({ stages: { embedding } }) => `${ms(embedding.callMs)} (${embedding.textsPerCall ?? 'n/a'}; ${embedding.cacheHits} of ${embedding.cacheHits + embedding.cacheMisses})`)],
    ['retrieval search', ms(one.stages.retrieval.searchMs), ms(many.stages.retrieval.searchMs)],
  ]));

  console.log('\nCPU ms per answer (processes of ours: the pipeline\'s, the services\', the fake provider, this one)');
  const cpuRow = (label: string, cpu: ReturnType<typeof cpuPerAnswer>) => [
    label, cpu.oursMsPerAnswer,
    Object.entries(cpu.msPerAnswer).filter(([, value]) => value >= 0.1).sort(([, a], [, b]) => b - a).map(([name, value]) => `${name} ${value}`).join(', '),
    `${cpu.machineBusySeconds} of ${round(cpu.capacitySeconds, 1)} (not ours ${cpu.otherSeconds})`,
  ];
  print(formatGrid(['', 'total', 'by process', 'machine busy s of capacity'], [
    cpuRow('1 stream, pipeline', one.cpu.pipeline), cpuRow('1 stream, in-process', one.cpu.inProcess),
    cpuRow(`${streams} streams, pipeline`, many.cpu.pipeline), cpuRow(`${streams} streams, in-process`, many.cpu.inProcess),
  ]));

  if (local === 'skipped') console.log('\nLocal chat model: skipped');
  else if ('error' in local) console.log(`\nLocal chat model: failed: ${local.error}`);
  else {
    console.log(`\nLocal chat model ${local.model} (${local.modelPath}), loaded in ${ms(local.loadMs)} ms; ${local.runs.length} answers of up to ${local.maxOutputTokens} tokens`);
    print(formatGrid(['run', 'first token ms', 'output tokens', 'decode tokens/s', 'overall tokens/s', 'finish'], [
      ...local.runs.map((runFigures, index) => [String(index + 1), ms(runFigures.firstTokenMs), runFigures.outputTokens, round(runFigures.decodeTokensPerSecond, 1), round(runFigures.overallTokensPerSecond, 1), runFigures.finishReason]),
      ['median', ms(local.median.firstTokenMs), local.median.outputTokens, round(local.median.decodeTokensPerSecond, 1), round(local.median.overallTokensPerSecond, 1), ''],
    ]));
  }

  console.log(`\n  other pipelines seen during the run: ${otherPipelines.length === 0 ? 'none' : `${otherPipelines.length} processes (they competed for the CPU)`}`);
  if (problems.length > 0) console.log(`  PROBLEMS (${problems.length}): ${problems.slice(0, 10).join('; ')}`);
};
