// Token budgets: which budgets a request is counted against (budget-policy), the shared counts
// (redis-budget-ledger) and the rules they come from (budget-rules).
export { BudgetError, type BudgetErrorCode } from './budget-error.js';
export { createBudgetRedis, type BudgetRedisOptions } from './budget-redis.js';
export { createCachedBudgetRules, storeBudgetRules, type BudgetRulesSource, type CachedBudgetRulesOptions } from './budget-rules.js';
export {
  createBudgetPolicy, budgetCounters,
  type BudgetPolicy, type BudgetPolicyOptions, type BudgetRequest, type BudgetReservation, type BudgetRefusal, type BudgetDecision,
  type BudgetSettlement, type BudgetStanding, type BudgetRedisDownPolicy,
} from './budget-policy.js';
export {
  counterKeys, reservationKey,
  type BudgetCounter, type BudgetLedger, type ReserveRequest, type ReserveResult, type SettleRequest, type SettleStatus, type CounterStanding,
} from './ledger.js';
export { createRedisBudgetLedger, type RedisBudgetLedgerOptions } from './redis-budget-ledger.js';
export { createRedisClock, type RedisClock, type RedisClockOptions } from './redis-clock.js';
export { periodWindow, type PeriodWindow } from './periods.js';
