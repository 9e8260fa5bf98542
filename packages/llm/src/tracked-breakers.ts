// The router's view of a BreakerStore: reports state changes to the observer, and keeps serving
// when the store fails (a breaker is an optimisation; Redis being down must not stop generation).
import type { BreakerState, BreakerStateName, BreakerStore } from './circuit-breaker.js';
import type { RouterObserver } from './router-observer.js';

const closed: BreakerState = { state: 'closed', failures: 0, requests: 0 };

export const trackBreakers = (store: BreakerStore, observer: RouterObserver): BreakerStore => {
  const seen = new Map<string, BreakerStateName>();
  const note = <State extends BreakerState>(deployment: string, state: State): State => {
    if ((seen.get(deployment) ?? 'closed') !== state.state) observer.onBreakerChange?.({ deployment, state: state.state });
    seen.set(deployment, state.state);
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
  return {
    record: (deployment, outcome, now) => noted(deployment, () => store.record(deployment, outcome, now)),
    state: (deployment, now) => noted(deployment, () => store.state(deployment, now)),
    tryAcquireProbe: (deployment, now) => failOpen(() => store.tryAcquireProbe(deployment, now), true),
    forceClose: async (deployment) => {
      await store.forceClose(deployment);
      note(deployment, closed);
    },
    list: async (now) => (await store.list(now)).map((entry) => note(entry.deployment, entry)),
  };
};
