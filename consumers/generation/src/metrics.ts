// The generation worker's series: the design article's LLM metrics, exactly named, plus time to
// first token, failovers and breaker states. Bound to the router's observer and the handler's.
import type { BreakerStateName, RouterObserver } from '@rivulet/llm';
import type { Metrics } from '@rivulet/observability';
import type { GenerationObserver } from './handler.js';

/** The design article's buckets for llm_request_duration_seconds. */
const SEED_DURATION_BUCKETS = [0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];
const BREAKER_LEVEL: Record<BreakerStateName, number> = { closed: 0, half_open: 1, open: 2 };

export interface GenerationMetricsLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export const createGenerationMetrics = (metrics: Metrics, log: GenerationMetricsLog): { router: RouterObserver; generation: GenerationObserver } => {
  const requests = metrics.counter({ name: 'llm_requests_total', help: 'Provider calls by model (the provider\'s model id) and status: success, error, cancelled.', labelNames: ['model', 'status'] });
  const duration = metrics.histogram({ name: 'llm_request_duration_seconds', help: 'Duration of one provider call, to its last token or failure.', labelNames: ['model'], buckets: SEED_DURATION_BUCKETS });
  const tokens = metrics.counter({ name: 'llm_tokens_total', help: 'Tokens by model and type (input, output): the provider\'s counts, estimated for a failed call that produced text.', labelNames: ['model', 'type'] });
  const active = metrics.gauge({ name: 'active_conversations', help: 'Answers this process is generating now.' });
  const firstToken = metrics.histogram({
    name: 'llm_time_to_first_token_seconds', help: 'From sending a provider call to its first output text.', labelNames: ['model'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  });
  const failovers = metrics.counter({
    name: 'llm_failovers_total', help: 'Switches from one deployment to another, by reason (error code or circuit_open) and whether text had already been sent.',
    labelNames: ['from', 'to', 'reason', 'after_output'],
  });
  const breakers = metrics.gauge({ name: 'llm_circuit_breaker_state', help: 'Circuit breaker per deployment as this process last saw it: 0 closed, 1 half-open, 2 open.', labelNames: ['deployment'] });
  const breakerStoreErrors = metrics.counter({ name: 'llm_circuit_breaker_store_errors_total', help: 'Failures reading or writing the shared breaker state (Redis); the router then treats breakers as closed.' });
  const budgetErrors = metrics.counter({ name: 'rivulet_budget_errors_total', help: 'Budget operations that failed (settle: the hold lapses uncharged; standing: `auto` routed without the budget).', labelNames: ['operation'] });

  return {
    router: {
      onAttemptEnd: (attempt) => {
        requests.inc({ model: attempt.model, status: attempt.outcome === 'ok' ? 'success' : attempt.outcome === 'aborted' ? 'cancelled' : 'error' });
        duration.observe({ model: attempt.model }, attempt.durationMs / 1000);
        if (attempt.timeToFirstTokenMs !== undefined) firstToken.observe({ model: attempt.model }, attempt.timeToFirstTokenMs / 1000);
        if (attempt.inputTokens > 0) tokens.inc({ model: attempt.model, type: 'input' }, attempt.inputTokens);
        if (attempt.outputTokens > 0) tokens.inc({ model: attempt.model, type: 'output' }, attempt.outputTokens);
      },
      onFailover: ({ from, to, reason, afterOutput }) => failovers.inc({ from, to, reason, after_output: String(afterOutput) }),
      onBreakerChange: ({ deployment, state }) => {
        breakers.set({ deployment }, BREAKER_LEVEL[state]);
        log.warn({ deployment, state }, 'circuit breaker changed');
      },
      onBreakerStoreError: (error) => {
        breakerStoreErrors.inc();
        log.warn({ err: error }, 'circuit breaker store failed; treating breakers as closed');
      },
    },
    generation: {
      started: () => {
        active.inc();
        return () => active.dec();
      },
      settleFailed: (requestId, error, traceId) => {
        budgetErrors.inc({ operation: 'settle' });
        log.warn({ requestId, traceId, err: error }, 'budget settle failed: the reservation lapses uncharged');
      },
      providerFailed: (requestId, error, traceId) => {
        log.warn({ requestId, traceId, code: error.code, steps: error.steps.map(({ deployment, outcome, reason, message }) => ({ deployment, outcome, reason, message })) }, 'no model deployment could answer');
      },
      standingFailed: (requestId, error, traceId) => {
        budgetErrors.inc({ operation: 'standing' });
        log.warn({ requestId, traceId, err: error }, 'budget standing unavailable: auto routes as if no budget applied');
      },
    },
  };
};
