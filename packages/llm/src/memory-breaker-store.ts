// The BreakerStore of one process. consumers/generation has the Redis one with the same rules.
import { BREAKER_BUCKETS, checkBreakerSettings, type BreakerSettings, type BreakerState, type BreakerStore } from './circuit-breaker.js';

interface Entry {
  /** Bucket index (floor(now / bucketMs)) -> counts. */
  buckets: Map<number, { requests: number; failures: number }>;
  openedUntil: number | undefined;
  probeUntil: number | undefined;
}

/** A BreakerStore in memory: breaker state per process, for tests and single-instance deployments. */
export const createMemoryBreakerStore = (settings: BreakerSettings): BreakerStore => {
  const { windowMs, minRequests, failureRatio, cooldownMs } = checkBreakerSettings(settings);
  const bucketMs = windowMs / BREAKER_BUCKETS;
  const entries = new Map<string, Entry>();
  const entry = (deployment: string): Entry => {
    let found = entries.get(deployment);
    if (!found) entries.set(deployment, (found = { buckets: new Map(), openedUntil: undefined, probeUntil: undefined }));
    return found;
  };
  const stateOf = (found: Entry | undefined, now: number): BreakerState => {
    if (!found) return { state: 'closed', failures: 0, requests: 0 };
    const current = Math.floor(now / bucketMs);
    let requests = 0;
    let failures = 0;
    for (const [bucket, counts] of found.buckets) {
      if (bucket <= current - BREAKER_BUCKETS) {
        found.buckets.delete(bucket);
        continue;
      }
      requests += counts.requests;
      failures += counts.failures;
    }
    if (found.openedUntil === undefined) return { state: 'closed', failures, requests };
    return { state: now < found.openedUntil ? 'open' : 'half_open', openedUntil: found.openedUntil, failures, requests };
  };
  const open = (found: Entry, now: number) => {
    found.buckets.clear();
    found.openedUntil = now + cooldownMs;
    found.probeUntil = undefined;
  };

  return {
    record: (deployment, outcome, now, count = 1) => {
      const found = entry(deployment);
      const before = stateOf(found, now);
      if (before.state === 'half_open') {
        if (outcome === 'success') entries.delete(deployment);
        else open(found, now);
      } else if (before.state === 'closed') {
        const bucket = Math.floor(now / bucketMs);
        const counts = found.buckets.get(bucket) ?? { requests: 0, failures: 0 };
        counts.requests += count;
        if (outcome === 'failure') counts.failures += count;
        found.buckets.set(bucket, counts);
        const { requests, failures } = stateOf(found, now);
        if (requests >= minRequests && failures / requests >= failureRatio) open(found, now);
      }
      return Promise.resolve(stateOf(entries.get(deployment), now));
    },
    state: (deployment, now) => Promise.resolve(stateOf(entries.get(deployment), now)),
    tryAcquireProbe: (deployment, now) => {
      const found = entries.get(deployment);
      const { state } = stateOf(found, now);
      if (state !== 'half_open' || !found) return Promise.resolve(state === 'closed');
      if (found.probeUntil !== undefined && now < found.probeUntil) return Promise.resolve(false);
      found.probeUntil = now + cooldownMs;
      return Promise.resolve(true);
    },
    forceClose: (deployment) => {
      entries.delete(deployment);
      return Promise.resolve();
    },
    list: (now) => Promise.resolve([...entries.keys()].map((deployment) => ({ deployment, ...stateOf(entries.get(deployment), now) }))),
  };
};
