// Recovery of deployments whose breaker is open: a tiny generation now and then, and the breaker
// closes as soon as one succeeds instead of waiting for live traffic to probe it.
import type { ModelRouter } from './router-types.js';

export interface HealthCheckOptions {
  readonly router: Pick<ModelRouter, 'deployments' | 'breakers' | 'chatModel' | 'config'>;
  /** Between two rounds (default: the router's healthCheck.intervalMs). */
  readonly intervalMs?: number | undefined;
  /** A probe that has not finished by then fails (default: healthCheck.timeoutMs). */
  readonly timeoutMs?: number | undefined;
  /** Epoch ms (default Date.now). */
  readonly now?: (() => number) | undefined;
}

export interface HealthProbe {
  readonly deployment: string;
  readonly ok: boolean;
  /** Why the probe failed. */
  readonly error?: unknown;
}

export interface HealthCheck {
  /** Runs a round every intervalMs (the timer does not keep the process alive). */
  start(): void;
  /** Stops the timer, aborts probes in flight and waits for the round to end. */
  stop(): Promise<void>;
  /** One round: probes every deployment whose breaker is open or half-open; resolves with the probes' outcomes. */
  runOnce(): Promise<readonly HealthProbe[]>;
}

/** The probe: one token of an answer to `ping`. */
export const HEALTH_PROBE_MESSAGES = [{ role: 'user', content: 'ping' }] as const;

export const createHealthCheck = ({ router, intervalMs = router.config.healthCheck.intervalMs, timeoutMs = router.config.healthCheck.timeoutMs, now = Date.now }: HealthCheckOptions): HealthCheck => {
  const { breakers } = router;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<readonly HealthProbe[]> | undefined;
  let stopping = new AbortController();

  const probe = async (deployment: string): Promise<HealthProbe> => {
    const controller = new AbortController();
    const onStop = () => controller.abort(stopping.signal.reason);
    stopping.signal.addEventListener('abort', onStop, { once: true });
    const deadline = setTimeout(() => controller.abort(new Error(`health probe: no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      let finished = false;
      for await (const event of router.chatModel(deployment).stream({ messages: HEALTH_PROBE_MESSAGES, maxOutputTokens: 1, signal: controller.signal })) {
        if (event.type === 'end') finished = true;
      }
      if (!finished) throw new Error('the probe ended without finishing');
      // The design article's _recover_provider: a deployment that answers is back.
      await breakers.forceClose(deployment);
      return { deployment, ok: true };
    } catch (error) {
      if (!stopping.signal.aborted) await breakers.record(deployment, 'failure', now());
      return { deployment, ok: false, error };
    } finally {
      clearTimeout(deadline);
      stopping.signal.removeEventListener('abort', onStop);
    }
  };

  const runRound = async (): Promise<readonly HealthProbe[]> => {
    const at = now();
    const states = await Promise.all(router.deployments.map(async ({ name }) => ({ name, ...(await breakers.state(name, at)) })));
    return Promise.all(states.filter((entry) => entry.state !== 'closed').map((entry) => probe(entry.name)));
  };

  const runOnce = (): Promise<readonly HealthProbe[]> => {
    // One round at a time: a timer tick during a slow round joins it.
    round ??= runRound().finally(() => {
      round = undefined;
    });
    return round;
  };

  return {
    start: () => {
      if (timer) return;
      stopping = new AbortController();
      timer = setInterval(() => {
        runOnce().catch(() => undefined); // a failed round (the breaker store down) is retried next tick; the observer saw the store error
      }, intervalMs);
      timer.unref();
    },
    stop: async () => {
      clearInterval(timer);
      timer = undefined;
      stopping.abort(new Error('the health check stopped'));
      await round?.catch(() => undefined);
    },
    runOnce,
  };
};
