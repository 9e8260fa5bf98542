// bench:gateway: the gateway's per-request overhead. One HTTP server in this process answers a
// small fixed JSON body; `checked` rounds first run the real checks (API key from PostgreSQL,
// cached; GCRA rate limit in Redis; token budget reserve and settle, Redis Lua scripts), `bare`
// rounds answer the same request without them. A load generator in a child process sends the
// requests at concurrency 1 and 16, bare and checked rounds interleaved; the verdict is on
// checked − bare at p50 and p99. Then each check alone. See docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { servicePids } from '../support/cpu-budget.js';
import { integerOption, readOptions } from '../support/options.js';
import { watchOtherPipelines } from '../support/other-pipelines.js';
import { rivuletHome, serviceAddresses } from '../support/paths.js';
import { machineBusySeconds, processCpuSeconds, processTreeCpuSeconds } from '../support/process-stats.js';
import { round, writeResult } from '../support/report.js';
import { closeOnSignals } from '../support/signals.js';
import { openGatewayChecks, type RedisFootprint } from './checks.js';
import { startLoadClient } from './client.js';
import { measureSteps } from './isolated.js';
import { levelFigures, printReport, TARGETS, type LevelFigures, type Round } from './report.js';
import { startGatewayServer, type Mode } from './server.js';

const options = readOptions('npm run bench:gateway -w @rivulet/bench -- [options]', {
  requests: { type: 'string', default: '10000', description: 'measured requests per variant (bare, checked) at each concurrency' },
  concurrency: { type: 'string', default: '1,16', description: 'concurrency levels (requests in flight at once, a closed loop), comma-separated' },
  rounds: { type: 'string', default: '5', description: 'rounds per variant at each concurrency, bare and checked alternating (ABBA order)' },
  'warm-up': { type: 'string', default: '2000', description: 'unmeasured requests per variant first (at the highest concurrency)' },
  'step-calls': { type: 'string', default: '2000', description: 'calls of each check alone, one after another' },
  'estimate-tokens': { type: 'string', default: '1200', description: 'tokens each request reserves (prompt + output limit)' },
  'actual-tokens': { type: 'string', default: '300', description: 'tokens each request settles (what was used)' },
});
const requests = integerOption('requests', options.requests);
const rounds = integerOption('rounds', options.rounds);
const levels = (options.concurrency ?? '').split(',').map((value) => integerOption('concurrency', value.trim()));
const warmUp = integerOption('warm-up', options['warm-up'], 0);
const stepCalls = integerOption('step-calls', options['step-calls']);
const estimateTokens = integerOption('estimate-tokens', options['estimate-tokens']);
const actualTokens = integerOption('actual-tokens', options['actual-tokens'], 0);
if (actualTokens > estimateTokens) throw new Error('--actual-tokens must not exceed --estimate-tokens (settle refunds the difference)');
const run = randomBytes(4).toString('hex');
const services = serviceAddresses(process.env);
const startedAt = Date.now();
const perRound = Math.ceil(requests / rounds);

console.log(`bench:gateway: run ${run}; ${rounds} x ${perRound} requests per variant at concurrency ${levels.join(', ')}; budget reserve ${estimateTokens}, settle ${actualTokens} tokens`);
const checks = await openGatewayChecks({ databaseUrl: services.databaseUrl, redisUrl: services.redisUrl, run, estimateTokens, actualTokens });
const server = await startGatewayServer({ check: (authorization, requestId) => checks.all(authorization, requestId), run });
const client = startLoadClient();
const releaseSignals = closeOnSignals(async () => {
  await client.close();
  await server.close();
  await checks.close();
});
const infra = servicePids(rivuletHome(process.env));
// CPU seconds so far: this process from process.cpuUsage (microseconds: a round is short), Redis
// and PostgreSQL (all its backends) from /proc (10 ms ticks, summed over the rounds), the machine.
const cpuNow = (): Record<string, number | undefined> => {
  const own = process.cpuUsage();
  return {
    server: (own.user + own.system) / 1e6,
    redis: infra.redis === undefined ? undefined : processCpuSeconds(infra.redis),
    postgres: infra.postgres === undefined ? undefined : processTreeCpuSeconds(infra.postgres),
    machine: machineBusySeconds(),
  };
};
const cpuSince = (before: Record<string, number | undefined>): Record<string, number> => {
  const after = cpuNow();
  const spent: Record<string, number> = {};
  for (const [name, value] of Object.entries(after)) {
    const start = before[name];
    if (value !== undefined && start !== undefined) spent[name] = value - start;
  }
  return spent;
};
const others = watchOtherPipelines(() => []);

const roundOf = async (mode: Mode, count: number, concurrency: number): Promise<Round> => {
  server.setMode(mode);
  const before = cpuNow();
  const started = performance.now();
  const result = await client.round({ url: server.url, authorization: checks.authorization, requests: count, concurrency });
  const wallSeconds = (performance.now() - started) / 1000;
  const { machine: machineBusySeconds = 0, ...cpuSeconds } = cpuSince(before);
  return { mode, result, cpuSeconds, wallSeconds, machineBusySeconds };
};

const measured: { concurrency: number; rounds: Round[] }[] = [];
let steps: Awaited<ReturnType<typeof measureSteps>>;
let rateLimitStoreErrors = 0;
let footprint: RedisFootprint | undefined;
try {
  const highest = Math.max(...levels);
  console.log(`  warm-up: ${warmUp} requests per variant at concurrency ${highest}, then ${Math.ceil(warmUp / 10)} at 1 ...`);
  for (const mode of ['bare', 'checked'] as const) {
    await roundOf(mode, warmUp, highest);
    await roundOf(mode, Math.ceil(warmUp / 10), 1);
  }
  for (const concurrency of levels) {
    console.log(`  concurrency ${concurrency}: ${rounds} rounds of ${perRound} per variant ...`);
    const level: Round[] = [];
    for (let index = 0; index < rounds; index++) {
      // ABBA: bare first in even rounds, checked first in odd ones, so a slow drift cancels out.
      const order: Mode[] = index % 2 === 0 ? ['bare', 'checked'] : ['checked', 'bare'];
      for (const mode of order) {
        level.push(await roundOf(mode, perRound, concurrency));
      }
    }
    measured.push({ concurrency, rounds: level });
  }
  console.log(`  each check alone: ${stepCalls} calls ...`);
  steps = await measureSteps(checks, { calls: stepCalls, warmUp: Math.min(200, stepCalls), run });
  rateLimitStoreErrors = checks.rateLimitStoreErrors();
  footprint = await checks.footprint();
} finally {
  releaseSignals();
  await client.close();
  await server.close();
  await checks.close();
}
const otherPipelines = others.stop();

const figures: LevelFigures[] = measured.map(({ concurrency, rounds: level }) => levelFigures(concurrency, level));
const failures = server.failures();
printReport({ levels: figures, steps, requests: perRound * rounds, rounds, failures, cores: cpus().length });
if (rateLimitStoreErrors > 0) console.log(`  PROBLEMS: ${rateLimitStoreErrors} rate-limit checks failed in Redis and were counted in memory instead (cheaper): the checked figures understate the cost`);
if (footprint) {
  console.log(`\nLeft in Redis by the run: ${footprint.keys} keys, ${footprint.reservationKeys} of them settled reservation records (one per request), each ${footprint.reservationBytes ?? 'n/a'} bytes (MEMORY USAGE) for another ${footprint.reservationTtlHours ?? 'n/a'} h (deleted now, with the rest of the run's keys)`);
}
console.log(`\n  other pipelines seen: ${otherPipelines.length === 0 ? 'none' : otherPipelines.map((other) => other.command).join('; ')}`);
const wallSeconds = round((Date.now() - startedAt) / 1000, 0);
console.log(`  wall time ${wallSeconds} s`);

const file = await writeResult('gateway', {
  run,
  settings: { requests: perRound * rounds, rounds, perRound, concurrency: levels, warmUp, stepCalls, estimateTokens, actualTokens, targets: TARGETS },
  levels: figures.map((level) => ({ ...level, pass: level.pass })),
  steps,
  rounds: measured.map(({ concurrency, rounds: level }) => ({
    concurrency,
    rounds: level.map(({ mode, result, cpuSeconds, wallSeconds, machineBusySeconds }) => ({
      mode, requests: result.latenciesMs.length, seconds: result.seconds, failures: result.failures, firstFailure: result.firstFailure, clientCpuMs: result.cpuMs, cpuSeconds, wallSeconds, machineBusySeconds,
    })),
  })),
  verdict: { pass: figures.every((level) => level.pass.p50 && level.pass.p99) },
  serverFailures: failures, rateLimitStoreErrors, redisFootprint: footprint,
  otherPipelines, wallSeconds,
});
console.log(`\nwritten ${file}`);
