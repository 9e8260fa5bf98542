// Each check's own cost: many calls one after another in this process, no HTTP, no other load, so
// the overhead measured through the server can be explained step by step.
import { percentile } from '../support/latency.js';
import type { GatewayChecks } from './checks.js';

export interface StepCost {
  step: string;
  calls: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

const cost = (step: string, samples: number[]): StepCost => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    step, calls: sorted.length, p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99),
    mean: sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length),
  };
};

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

/** `calls` of each step after `warmUp` unmeasured ones; request ids `${run}-isolated-…` (unique reservations). */
export const measureSteps = async (checks: GatewayChecks, { calls, warmUp, run }: { calls: number; warmUp: number; run: string }): Promise<StepCost[]> => {
  const principal = await checks.authenticate(checks.authorization);
  let sequence = 0;
  const requestId = () => `${run}-isolated-${++sequence}`;
  const samples: Record<string, number[]> = { ping: [], auth: [], rateLimit: [], reserve: [], settle: [], all: [] };
  for (let index = 0; index < warmUp + calls; index++) {
    const measured = index >= warmUp;
    // One of each per iteration, so drift touches every step alike.
    const record = (name: string, ms: number) => {
      if (measured) samples[name]!.push(ms);
    };
    record('ping', await timed(() => checks.ping()));
    record('auth', await timed(() => checks.authenticate(checks.authorization)));
    record('rateLimit', await timed(() => checks.rateLimit(principal)));
    let reservation: Awaited<ReturnType<GatewayChecks['reserve']>> | undefined;
    record('reserve', await timed(async () => (reservation = await checks.reserve(principal, requestId()))));
    record('settle', await timed(() => checks.settle(reservation!)));
    record('all', await timed(() => checks.all(checks.authorization, requestId())));
  }
  return [
    cost('Redis PING (the round trip every script pays)', samples.ping!),
    cost('auth: cached database key (static miss + SHA-256 + cache)', samples.auth!),
    cost('rate limit: GCRA script (EVALSHA)', samples.rateLimit!),
    cost('budget reserve: rules (cached) + reserve script', samples.reserve!),
    cost('budget settle: settle script', samples.settle!),
    cost('all four in sequence (the checked request\'s work)', samples.all!),
  ];
};
