// Budget rules come from PostgreSQL (loadBudgetRules), read at most once per tenant and key every
// few seconds: a changed budget applies within that time.
import { loadBudgetRules, type BudgetRules, type Pool } from '@rivulet/store';

/** The rules of a request: the tenant's budgets, the key's daily budget, the tier. */
export type BudgetRulesSource = (tenantId: string, apiKeyId: string | null) => Promise<BudgetRules>;

export interface CachedBudgetRulesOptions {
  /** The uncached source, e.g. storeBudgetRules(pool). */
  load: BudgetRulesSource;
  /** How long an answer is reused. Default 5 s. */
  ttlMs?: number;
  /** Entries kept at most; the oldest go first. Default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

/** The store's query as a BudgetRulesSource. */
export const storeBudgetRules = (pool: Pool): BudgetRulesSource =>
  (tenantId, apiKeyId) => loadBudgetRules(pool, { tenantId, apiKeyId });

/**
 * Reuses each answer for `ttlMs`; concurrent requests for the same tenant and key share one query.
 * A failed query is not cached (the next request tries again) and rejects as it came.
 */
export const createCachedBudgetRules = ({ load, ttlMs = 5000, maxEntries = 10_000, now = Date.now }: CachedBudgetRulesOptions): BudgetRulesSource => {
  if (!(ttlMs >= 0) || !(maxEntries >= 1)) throw new RangeError('ttlMs must be >= 0 and maxEntries >= 1');
  const entries = new Map<string, { expiresAt: number; rules: Promise<BudgetRules> }>();
  return (tenantId, apiKeyId) => {
    const name = `${tenantId}\u0000${apiKeyId ?? ''}`;
    const cached = entries.get(name);
    if (cached && cached.expiresAt > now()) return cached.rules;
    entries.delete(name);
    const rules = load(tenantId, apiKeyId);
    entries.set(name, { expiresAt: now() + ttlMs, rules });
    rules.catch(() => {
      if (entries.get(name)?.rules === rules) entries.delete(name);
    });
    for (const oldest of entries.keys()) {
      if (entries.size <= maxEntries) break;
      entries.delete(oldest);
    }
    return rules;
  };
};
