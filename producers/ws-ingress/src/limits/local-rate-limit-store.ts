// The per-process fallback used while Redis is unreachable: the same GCRA, held in a Map. With N
// ingress instances a key may then get up to N times its limit (each instance counts alone).
import { gcraStep, type RateLimitStore } from './gcra.js';

export interface LocalRateLimitStoreOptions {
  /** Bound on keys held; expired entries are swept first, then the oldest go. Default 100,000. */
  maxKeys?: number;
  now?: () => number;
}

export const localRateLimitStore = ({ maxKeys = 100_000, now = Date.now }: LocalRateLimitStoreOptions = {}): RateLimitStore => {
  if (!(maxKeys > 0)) throw new RangeError('maxKeys must be > 0');
  // key -> TAT; an entry whose TAT has passed carries no information and may be dropped.
  const tats = new Map<string, number>();

  const makeRoom = (at: number): void => {
    if (tats.size < maxKeys) return;
    for (const [key, tat] of tats) if (tat <= at) tats.delete(key);
    while (tats.size >= maxKeys) {
      const oldest = tats.keys().next();
      if (oldest.done) break;
      tats.delete(oldest.value);
    }
  };

  return {
    take: (key, limit, periodMs) => {
      const at = now();
      const { decision, tat } = gcraStep(tats.get(key), at, limit, periodMs);
      if (tat !== undefined) {
        tats.delete(key);
        makeRoom(at);
        tats.set(key, tat);
      }
      return Promise.resolve(decision);
    },
  };
};
