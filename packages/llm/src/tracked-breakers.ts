// The router's view of a BreakerStore: reports state changes to the observer, keeps serving when
// the store fails (a breaker is an optimisation; Redis being down must not stop generation), and
// keeps the shared store off the request's path in the common case:
// - a closed breaker's state is reused for `stateCacheMs` instead of read per request (a failure
//   seen by this process, or any state that is not closed, is always read afresh);
// - successes of a closed breaker are counted locally and sent in one record every
//   `successFlushMs`, and before any failure, so the shared ratio sees them in order. A success
//   that may close a half-open breaker (the probe) is sent at once.
import type { BreakerState, BreakerStateName, BreakerStore } from './circuit-breaker.js';
import type { RouterObserver } from './router-observer.js';

const closed: BreakerState = { state: 'closed', failures: 0, requests: 0 };

export interface TrackedBreakerOptions {
  /** How long a closed state read from the store is reused. Default 1000 ms; 0 reads every time. */
  stateCacheMs?: number;
  /** How often batched successes are sent. Default 250 ms; 0 sends each at once. */
  successFlushMs?: number;
  now?: () => number;
}

export interface TrackedBreakers extends BreakerStore {
  /** Sends the successes counted so far (the router's close). */
  flush(): Promise<void>;
}

export const trackBreakers = (store: BreakerStore, observer: RouterObserver, { stateCacheMs = 1000, successFlushMs = 250, now = Date.now }: TrackedBreakerOptions = {}): TrackedBreakers => {
  const seen = new Map<string, BreakerStateName>();
  const cached = new Map<string, { state: BreakerState; at: number }>();
  const successes = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;

  const note = <State extends BreakerState>(deployment: string, state: State): State => {
    if ((seen.get(deployment) ?? 'closed') !== state.state) observer.onBreakerChange?.({ deployment, state: state.state });
    seen.set(deployment, state.state);
    if (state.state === 'closed') cached.set(deployment, { state, at: now() });
    else cached.delete(deployment);
    return state;
  };
  const failOpen = async <Value>(operation: () => Promise<Value>, fallback: Value): Promise<Value> => {
    try {
      return await operation();
    } catch (error) {
      observer.onBreakerStoreError?.(error);
      return fallback;
    }
  };
  // A state the store could not give is taken as closed, and not reported as a change.
  const noted = async (deployment: string, operation: () => Promise<BreakerState>): Promise<BreakerState> => {
    const state = await failOpen<BreakerState | undefined>(operation, undefined);
    return state === undefined ? closed : note(deployment, state);
  };
  const flushOne = async (deployment: string, at: number): Promise<void> => {
    const count = successes.get(deployment) ?? 0;
    if (count === 0) return;
    successes.delete(deployment);
    await noted(deployment, () => store.record(deployment, 'success', at, count));
  };
  const flush = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const at = now();
    await Promise.all([...successes.keys()].map((deployment) => flushOne(deployment, at)));
  };

  return {
    record: async (deployment, outcome, at, count = 1) => {
      if (outcome === 'success' && successFlushMs > 0 && (seen.get(deployment) ?? 'closed') === 'closed') {
        successes.set(deployment, (successes.get(deployment) ?? 0) + count);
        timer ??= setTimeout(() => void flush(), successFlushMs).unref();
        return cached.get(deployment)?.state ?? closed;
      }
      cached.delete(deployment);
      await flushOne(deployment, at);
      return noted(deployment, () => store.record(deployment, outcome, at, count));
    },
    state: async (deployment, at) => {
      const hit = cached.get(deployment);
      if (hit !== undefined && at - hit.at < stateCacheMs) return hit.state;
      return noted(deployment, () => store.state(deployment, at));
    },
    tryAcquireProbe: (deployment, at) => failOpen(() => store.tryAcquireProbe(deployment, at), true),
    forceClose: async (deployment) => {
      await store.forceClose(deployment);
      note(deployment, closed);
    },
    list: async (at) => (await store.list(at)).map((entry) => note(entry.deployment, entry)),
    flush,
  };
};
