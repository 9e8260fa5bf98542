// Which budgets a request is counted against, and the answer when one is spent
// (PROTOCOL.md `budget_exceeded`), before any provider is called.
import { ALL_MODELS, type BudgetPeriod, type BudgetRules } from '@rivulet/store';
import { BudgetError } from './budget-error.js';
import type { BudgetRulesSource } from './budget-rules.js';
import type { BudgetCounter, BudgetLedger, CounterStanding, SettleStatus } from './ledger.js';
import { periodWindow } from './periods.js';

/** What to do when Redis cannot be reached: refuse (reserve rejects with `budget_unavailable`), or generate uncounted. */
export type BudgetRedisDownPolicy = 'deny' | 'allow';

export interface BudgetPolicyOptions {
  ledger: BudgetLedger;
  /** The rules of a tenant and key: createCachedBudgetRules over storeBudgetRules(pool). */
  rules: BudgetRulesSource;
  /**
   * Default 'deny': budgets are money, so an unreachable Redis stops generation (reserve rejects
   * with a retriable BudgetError `budget_unavailable`). 'allow' generates without holding anything;
   * settle still tries to charge what was used, which counts once Redis is back.
   */
  onRedisDown?: BudgetRedisDownPolicy;
  /** How long an unsettled hold lasts (a crashed worker): longer than any generation. Default 10 min. */
  reservationTtlMs?: number;
  /** The clock periods are chosen by: the ledger's (the Redis-synced clock in a worker). Default Date.now. */
  now?: () => number;
}

export interface BudgetRequest {
  requestId: string;
  /** One reservation per attempt: each attempt calls the provider. The same ids reserve only once. */
  attemptId: string;
  tenantId: string;
  /** Null for a key without a row of its own (the static development keys): no key budget. */
  apiKeyId: string | null;
  /** The model that will serve the request (after `auto` is resolved). */
  model: string;
  /** Prompt tokens (counted with the model's tokenizer) plus the output limit. */
  estimateTokens: number;
}

export interface BudgetReservation {
  id: string;
  /** The estimate held. */
  tokens: number;
  /** Empty when no budget applies. */
  counters: BudgetCounter[];
  /** False when nothing is held: no budget applies, or Redis was down under `onRedisDown: 'allow'`. */
  held: boolean;
}

export interface BudgetRefusal {
  code: 'budget_exceeded';
  /** Which budget, its limit, what is used, when it resets. */
  message: string;
  /** False when the request alone needs more than the whole budget (waiting does not help). */
  retryable: boolean;
  /** Until the period of the spent budget ends. */
  retryAfterMs: number;
  scope: string;
  limit: number;
  used: number;
  /** ISO-8601 time the spent budget resets. */
  resetsAt: string;
}

export type BudgetDecision = { ok: true; reservation: BudgetReservation } | { ok: false; error: BudgetRefusal };

/**
 * Never a rejection: by the time of settling the answer has been streamed, and failing the event
 * would make the consumer runtime generate it again. On `ok: false` the hold lapses after its ttl,
 * uncharged; the caller logs it.
 */
export type BudgetSettlement = { ok: true; status: SettleStatus | 'untracked' } | { ok: false; error: BudgetError };

export interface BudgetStanding {
  /** The smallest remaining/limit of the request's budgets (0 to 1); null when none applies. For `auto` routing. */
  ratio: number | null;
  counters: CounterStanding[];
}

export interface BudgetPolicy {
  reserve(request: BudgetRequest): Promise<BudgetDecision>;
  /** Replaces the hold by `actualTokens`: the provider's usage, or what a cancelled stream had generated. */
  settle(reservation: BudgetReservation, actualTokens: number): Promise<BudgetSettlement>;
  /** Where the budgets of a would-be request stand; rejects with BudgetError when Redis cannot be reached. */
  remaining(request: Pick<BudgetRequest, 'tenantId' | 'apiKeyId' | 'model'>): Promise<BudgetStanding>;
}

interface LabelledCounter extends BudgetCounter {
  label: string;
}

const PERIOD_WORDS: Record<BudgetPeriod, string> = { day: 'daily', month: 'monthly' };

/**
 * The counters of a request at time `at`: the tenant's '*' rules and the served model's, per
 * period, and the key's daily budget (UTC periods).
 */
export const budgetCounters = (rules: BudgetRules, request: Pick<BudgetRequest, 'tenantId' | 'apiKeyId' | 'model'>, at: number): LabelledCounter[] => {
  const { tenantId, apiKeyId, model } = request;
  const counters: LabelledCounter[] = rules.budgets
    .filter((rule) => rule.model === ALL_MODELS || rule.model === model)
    .map((rule) => {
      const window = periodWindow(rule.period, at);
      const which = rule.model === ALL_MODELS ? '(all models)' : `for model ${rule.model}`;
      return {
        scope: `tenant:${tenantId}:model:${rule.model}:${rule.period}`, limit: rule.tokens, periodKey: window.key, expiresAt: window.endsAt,
        label: `the ${PERIOD_WORDS[rule.period]} token budget of tenant ${tenantId} ${which}`,
      };
    });
  if (apiKeyId !== null && rules.keyDailyTokenBudget !== null) {
    const window = periodWindow('day', at);
    counters.push({
      scope: `key:${apiKeyId}:day`, limit: rules.keyDailyTokenBudget, periodKey: window.key, expiresAt: window.endsAt,
      label: `the daily token budget of API key ${apiKeyId}`,
    });
  }
  return counters;
};

const withoutLabel = ({ label: _label, ...counter }: LabelledCounter): BudgetCounter => counter;

export const createBudgetPolicy = ({ ledger, rules, onRedisDown = 'deny', reservationTtlMs = 10 * 60 * 1000, now = Date.now }: BudgetPolicyOptions): BudgetPolicy => {
  if (!(reservationTtlMs > 0)) throw new RangeError('reservationTtlMs must be > 0');

  const refusal = (counter: LabelledCounter, used: number, tokens: number, retryAfterMs: number): BudgetRefusal => {
    const resetsAt = new Date(counter.expiresAt).toISOString();
    const alone = tokens > counter.limit;
    const need = alone
      ? `this request alone needs up to ${tokens}, more than the whole budget: ask for fewer output tokens (max_tokens)`
      : `this request needs up to ${tokens}; it resets at ${resetsAt}`;
    return {
      code: 'budget_exceeded', message: `Token budget exceeded: ${counter.label} is ${counter.limit} tokens, ${used} are used or held, and ${need}.`,
      retryable: !alone, retryAfterMs, scope: counter.scope, limit: counter.limit, used, resetsAt,
    };
  };

  return {
    async reserve(request) {
      const { requestId, attemptId, tenantId, estimateTokens } = request;
      const counters = budgetCounters(await rules(tenantId, request.apiKeyId), request, now());
      const reservation: BudgetReservation = { id: `${requestId}:${attemptId}`, tokens: estimateTokens, counters: counters.map(withoutLabel), held: false };
      if (counters.length === 0) return { ok: true, reservation };
      try {
        const result = await ledger.reserve({ reservationId: reservation.id, counters: reservation.counters, tokens: estimateTokens, ttlMs: reservationTtlMs });
        if (result.ok) return { ok: true, reservation: { ...reservation, held: true } };
        const counter = counters.find((candidate) => candidate.scope === result.scope)!;
        return { ok: false, error: refusal(counter, result.used, estimateTokens, result.retryAfterMs) };
      } catch (error) {
        if (error instanceof BudgetError && error.code === 'budget_unavailable' && onRedisDown === 'allow') return { ok: true, reservation };
        throw error;
      }
    },

    async settle(reservation, actualTokens) {
      if (reservation.counters.length === 0) return { ok: true, status: 'untracked' };
      try {
        return { ok: true, status: await ledger.settle({ reservationId: reservation.id, tokens: actualTokens, counters: reservation.counters }) };
      } catch (error) {
        if (error instanceof BudgetError) return { ok: false, error };
        throw error;
      }
    },

    async remaining(request) {
      const counters = budgetCounters(await rules(request.tenantId, request.apiKeyId), request, now()).map(withoutLabel);
      if (counters.length === 0) return { ratio: null, counters: [] };
      const standings = await ledger.remaining(counters);
      return { ratio: Math.min(...standings.map((standing) => standing.remaining / standing.limit)), counters: standings };
    },
  };
};
