// The arithmetic of the verdict and the printed report.
import { percentile } from '../support/latency.js';
import { round } from '../support/report.js';
import { formatGrid } from '../chat/overhead.js';
import type { RoundResult } from './client.js';
import type { StepCost } from './isolated.js';
import type { Mode } from './server.js';

/** Added latency (checked − bare) allowed: the targets. */
export const TARGETS = { addedP50Ms: 1, addedP99Ms: 5 } as const;

/** One measured round: a mode, what the client saw, and the CPU seconds each process (and the machine) spent meanwhile. */
export interface Round {
  mode: Mode;
  result: RoundResult;
  /** server (this process), redis, postgres (with its backends). */
  cpuSeconds: Record<string, number>;
  /** The round as this process timed it (sending the round to the client to its result). */
  wallSeconds: number;
  /** Every core's busy time (/proc/stat): ours and everyone else's. */
  machineBusySeconds: number;
}

export interface VariantFigures {
  requests: number;
  failures: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
  /** Answered requests / the rounds' wall time. */
  perSecond: number;
  /** CPU ms per request of each process (from /proc; the client's from its own process.cpuUsage). */
  cpuMsPerRequest: Record<string, number>;
  /** Cores busy on average during the rounds: all work, and work of processes other than server, client, Redis and PostgreSQL. */
  coresBusy: { all: number; others: number };
}

export interface LevelFigures {
  concurrency: number;
  bare: VariantFigures;
  checked: VariantFigures;
  /** checked − bare, per percentile of the pooled samples (the samples are not paired: a difference of percentiles). */
  added: { p50: number; p90: number; p99: number };
  /** The same differences per pair of rounds, to show how steady they are. */
  addedP50PerRound: number[];
  addedP99PerRound: number[];
  pass: { p50: boolean; p99: boolean };
}

const figures = (rounds: readonly Round[]): VariantFigures => {
  const samples = rounds.flatMap((entry) => entry.result.latenciesMs).sort((a, b) => a - b);
  const seconds = rounds.reduce((sum, entry) => sum + entry.result.seconds, 0);
  const cpu: Record<string, number> = {};
  for (const entry of rounds) {
    for (const [name, value] of Object.entries(entry.cpuSeconds)) cpu[name] = (cpu[name] ?? 0) + value;
    cpu.client = (cpu.client ?? 0) + entry.result.cpuMs / 1000;
  }
  const wall = rounds.reduce((sum, entry) => sum + entry.wallSeconds, 0);
  const busy = rounds.reduce((sum, entry) => sum + entry.machineBusySeconds, 0);
  const ours = Object.values(cpu).reduce((sum, value) => sum + value, 0);
  return {
    requests: samples.length,
    failures: rounds.reduce((sum, entry) => sum + entry.result.failures, 0),
    p50: percentile(samples, 0.5), p90: percentile(samples, 0.9), p99: percentile(samples, 0.99),
    mean: samples.reduce((sum, value) => sum + value, 0) / Math.max(1, samples.length), max: samples.at(-1) ?? Number.NaN,
    perSecond: samples.length / seconds,
    cpuMsPerRequest: Object.fromEntries(Object.entries(cpu).map(([name, value]) => [name, round((value * 1000) / Math.max(1, samples.length), 3)])),
    coresBusy: { all: round(busy / wall, 2), others: round(Math.max(0, busy - ours) / wall, 2) },
  };
};

const percentileOf = (entry: Round, p: number): number => percentile([...entry.result.latenciesMs].sort((a, b) => a - b), p);

export const levelFigures = (concurrency: number, rounds: readonly Round[]): LevelFigures => {
  const bareRounds = rounds.filter((entry) => entry.mode === 'bare');
  const checkedRounds = rounds.filter((entry) => entry.mode === 'checked');
  const bare = figures(bareRounds);
  const checked = figures(checkedRounds);
  const added = { p50: checked.p50 - bare.p50, p90: checked.p90 - bare.p90, p99: checked.p99 - bare.p99 };
  return {
    concurrency, bare, checked, added,
    addedP50PerRound: checkedRounds.map((entry, index) => percentileOf(entry, 0.5) - percentileOf(bareRounds[index]!, 0.5)),
    addedP99PerRound: checkedRounds.map((entry, index) => percentileOf(entry, 0.99) - percentileOf(bareRounds[index]!, 0.99)),
    pass: { p50: added.p50 <= TARGETS.addedP50Ms, p99: added.p99 <= TARGETS.addedP99Ms },
  };
};

const ms = (value: number): string => (Number.isNaN(value) ? 'n/a' : value.toFixed(value < 10 ? 3 : 1));
const verdict = (pass: boolean, value: number, limit: number): string => `${pass ? 'PASS' : 'FAIL'} (${ms(value)} ${pass ? '<=' : '>'} ${limit})`;
const print = (lines: string[]) => lines.forEach((line) => console.log(line));

export const printReport = ({ levels, steps, requests, rounds, failures, cores }: {
  cores: number;
  levels: readonly LevelFigures[];
  steps: readonly StepCost[];
  requests: number;
  rounds: number;
  failures: { count: number; messages: string[] };
}): void => {
  console.log(`\nLatency per request as the client sees it, ms (${requests} requests per variant and concurrency, in ${rounds} interleaved rounds each)`);
  const header = [''];
  for (const level of levels) header.push(`c=${level.concurrency} bare`, `c=${level.concurrency} checked`, `c=${level.concurrency} added`);
  const row = (label: string, cell: (level: LevelFigures) => [string, string, string]) => [label, ...levels.flatMap(cell)];
  const cpu = (name: string) => (level: LevelFigures): [string, string, string] => {
    const bare = level.bare.cpuMsPerRequest[name] ?? Number.NaN;
    const checked = level.checked.cpuMsPerRequest[name] ?? Number.NaN;
    return [ms(bare), ms(checked), ms(checked - bare)];
  };
  print(formatGrid(header, [
    row('p50', ({ bare, checked, added }) => [ms(bare.p50), ms(checked.p50), ms(added.p50)]),
    row('p90', ({ bare, checked, added }) => [ms(bare.p90), ms(checked.p90), ms(added.p90)]),
    row('p99', ({ bare, checked, added }) => [ms(bare.p99), ms(checked.p99), ms(added.p99)]),
    row('max', ({ bare, checked }) => [ms(bare.max), ms(checked.max), '']),
    row('requests/s', ({ bare, checked }) => [String(round(bare.perSecond, 0)), String(round(checked.perSecond, 0)), `${round(checked.perSecond / bare.perSecond, 2)}x`]),
    row('CPU ms/request: server (this process)', cpu('server')),
    row('CPU ms/request: redis', cpu('redis')),
    row('CPU ms/request: postgres', cpu('postgres')),
    row('CPU ms/request: client process', cpu('client')),
    row(`cores busy of ${cores}: all / other processes`, ({ bare, checked }) => [`${bare.coresBusy.all} / ${bare.coresBusy.others}`, `${checked.coresBusy.all} / ${checked.coresBusy.others}`, '']),
    row('added p50 per round pair (min..max)', ({ addedP50PerRound }) => ['', '', `${ms(Math.min(...addedP50PerRound))}..${ms(Math.max(...addedP50PerRound))}`]),
    row('added p99 per round pair (min..max)', ({ addedP99PerRound }) => ['', '', `${ms(Math.min(...addedP99PerRound))}..${ms(Math.max(...addedP99PerRound))}`]),
    row(`target: added p50 <= ${TARGETS.addedP50Ms} ms`, ({ pass, added }) => ['', '', verdict(pass.p50, added.p50, TARGETS.addedP50Ms)]),
    row(`target: added p99 <= ${TARGETS.addedP99Ms} ms`, ({ pass, added }) => ['', '', verdict(pass.p99, added.p99, TARGETS.addedP99Ms)]),
  ]));
  const all = levels.every((level) => level.pass.p50 && level.pass.p99);
  console.log(`  verdict: ${all ? 'PASS' : 'FAIL'}`);

  console.log(`\nEach check alone, ms (${steps[0]?.calls ?? 0} calls each, one after another, in this process, no HTTP)`);
  print(formatGrid(['step', 'p50', 'p90', 'p99', 'mean'], steps.map((step) => [step.step, ms(step.p50), ms(step.p90), ms(step.p99), ms(step.mean)])));
  if (failures.count > 0 || levels.some((level) => level.bare.failures + level.checked.failures > 0)) {
    console.log(`\n  PROBLEMS: ${failures.count} requests answered with an error by the server (${failures.messages.join('; ')}); client-side failures: ${levels.map((level) => level.bare.failures + level.checked.failures).join(', ')}`);
  }
};
