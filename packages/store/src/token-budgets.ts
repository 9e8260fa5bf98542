// Token budgets (migrations/0006_token_budgets.sql): the rules `rivulet budgets` writes and the
// generation worker reads. Spending itself is counted in Redis, not here.
import { StoreError } from './store-error.js';
import type { Pool } from './pool.js';

export const BUDGET_PERIODS = ['day', 'month'] as const;
/** A UTC calendar day or a UTC calendar month. */
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** The model of a rule that covers every model together. */
export const ALL_MODELS = '*';

/** The tier of a tenant that has no row (the static RIVULET_API_KEYS tenants): the column default. */
export const DEFAULT_TENANT_TIER = 'standard';

export interface TokenBudget {
  tenantId: string;
  /** A model name, or '*' for all models together. */
  model: string;
  period: BudgetPeriod;
  /** Prompt plus output tokens allowed per period. */
  tokens: number;
  /** ISO-8601 time of the last change. */
  updatedAt: string;
}

export interface TokenBudgetSelector {
  tenantId: string;
  /** Default '*'. */
  model?: string | undefined;
  /** Default 'day'. */
  period?: BudgetPeriod | undefined;
}

export interface NewTokenBudget extends TokenBudgetSelector {
  tokens: number;
}

/** One rule as the generation worker applies it. */
export interface BudgetRule {
  model: string;
  period: BudgetPeriod;
  tokens: number;
}

/** Everything that limits one request's tokens: what loadBudgetRules returns. */
export interface BudgetRules {
  /** The tenant's rules, by model then period; empty when it has none. */
  budgets: BudgetRule[];
  /** The API key's own daily_token_budget; null when it has none (or the key is not in the database). */
  keyDailyTokenBudget: number | null;
  /** The tenant's tier; DEFAULT_TENANT_TIER when the tenant has no row. */
  tier: string;
}

const selector = ({ tenantId, model = ALL_MODELS, period = 'day' }: TokenBudgetSelector): [string, string, BudgetPeriod] => {
  if (tenantId.trim() === '') throw new StoreError('invalid_argument', 'A tenant is a non-empty name.');
  if (model.trim() === '') throw new StoreError('invalid_argument', `A model is a non-empty name, or '${ALL_MODELS}' for all models.`);
  if (!BUDGET_PERIODS.includes(period)) throw new StoreError('invalid_argument', `A period is one of ${BUDGET_PERIODS.join(', ')}; got ${String(period)}.`);
  return [tenantId, model, period];
};

interface TokenBudgetRow {
  tenant_id: string;
  model: string;
  period: BudgetPeriod;
  tokens: string;
  updated_at: Date;
}

const COLUMNS = 'tenant_id, model, period, tokens, updated_at';

const toBudget = (row: TokenBudgetRow): TokenBudget => ({
  tenantId: row.tenant_id, model: row.model, period: row.period, tokens: Number(row.tokens), updatedAt: row.updated_at.toISOString(),
});

/**
 * Sets (creates or replaces) the budget of a tenant for one model (default all) and period
 * (default day). The tenant must exist (`rivulet keys create` makes it): a misspelt name fails
 * with `not_found` instead of holding a budget nobody is counted against.
 */
export const setTokenBudget = async (pool: Pool, budget: NewTokenBudget): Promise<TokenBudget> => {
  const key = selector(budget);
  if (!Number.isSafeInteger(budget.tokens) || budget.tokens <= 0) throw new StoreError('invalid_argument', `tokens must be a positive whole number; got ${budget.tokens}.`);
  try {
    const { rows } = await pool.query<TokenBudgetRow>(
      `INSERT INTO token_budgets (tenant_id, model, period, tokens) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, model, period) DO UPDATE SET tokens = EXCLUDED.tokens, updated_at = now()
       RETURNING ${COLUMNS}`,
      [...key, budget.tokens],
    );
    return toBudget(rows[0]!);
  } catch (error) {
    // 23503 foreign_key_violation: no such tenant.
    if ((error as { code?: string }).code === '23503') throw new StoreError('not_found', `There is no tenant "${key[0]}".`, { cause: error });
    throw error;
  }
};

/** Removes one budget (model default '*', period default 'day'); false when there was none. */
export const removeTokenBudget = async (pool: Pool, budget: TokenBudgetSelector): Promise<boolean> => {
  const { rowCount } = await pool.query('DELETE FROM token_budgets WHERE tenant_id = $1 AND model = $2 AND period = $3', selector(budget));
  return (rowCount ?? 0) > 0;
};

/** A tenant's budgets, by model then period. */
export const listTokenBudgets = async (pool: Pool, tenantId: string): Promise<TokenBudget[]> => {
  const { rows } = await pool.query<TokenBudgetRow>(`SELECT ${COLUMNS} FROM token_budgets WHERE tenant_id = $1 ORDER BY model, period`, [tenantId]);
  return rows.map(toBudget);
};

interface BudgetRulesRow {
  tier: string | null;
  key_daily_token_budget: string | null;
  budgets: BudgetRule[];
}

/**
 * In one round trip: the tenant's budgets, the daily budget of its key `apiKeyId` (a key of
 * another tenant counts as none) and the tenant's tier. A tenant without a row has no budgets and
 * the default tier.
 */
export const loadBudgetRules = async (pool: Pool, { tenantId, apiKeyId }: { tenantId: string; apiKeyId?: string | null | undefined }): Promise<BudgetRules> => {
  const { rows } = await pool.query<BudgetRulesRow>(
    `SELECT
       (SELECT tier FROM tenants WHERE id = $1) AS tier,
       (SELECT daily_token_budget FROM api_keys WHERE id = $2 AND tenant_id = $1) AS key_daily_token_budget,
       (SELECT coalesce(json_agg(json_build_object('model', model, 'period', period, 'tokens', tokens) ORDER BY model, period), '[]'::json)
          FROM token_budgets WHERE tenant_id = $1) AS budgets`,
    [tenantId, apiKeyId ?? null],
  );
  const row = rows[0]!;
  return {
    budgets: row.budgets.map(({ model, period, tokens }) => ({ model, period, tokens: Number(tokens) })),
    keyDailyTokenBudget: row.key_daily_token_budget === null ? null : Number(row.key_daily_token_budget),
    tier: row.tier ?? DEFAULT_TENANT_TIER,
  };
};
