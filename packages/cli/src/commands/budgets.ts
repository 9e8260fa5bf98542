// `rivulet budgets set/list/remove`: tenants' token budgets in PostgreSQL. The generation worker
// reads them within a few seconds (its rules cache) and counts spending against them in Redis.
import { Option, type Command } from 'commander';
import {
  BUDGET_PERIODS, listTokenBudgets, removeTokenBudget, setTokenBudget, StoreError, type BudgetPeriod, type TokenBudget,
} from '@rivulet/store';
import type { CliConfig } from '../context.js';
import { say, table, warn } from '../output.js';
import type { CommandAction } from './ask.js';
import { positiveCount, withPool } from './database.js';

export interface BudgetSelectorOptions {
  tenant: string;
  period: BudgetPeriod;
  model: string;
}

export interface SetBudgetOptions extends BudgetSelectorOptions {
  tokens: number;
}

/** `daily token budget of tenant acme for all models` */
const describe = ({ tenantId, period, model }: Pick<TokenBudget, 'tenantId' | 'period' | 'model'>): string =>
  `${period === 'day' ? 'daily' : 'monthly'} token budget of tenant ${tenantId} ${model === '*' ? 'for all models' : `for model ${model}`}`;

/** `rivulet budgets set`: creates or replaces one budget. */
export const setBudget = async (config: CliConfig, options: SetBudgetOptions): Promise<number> => {
  const selector = { tenantId: options.tenant, period: options.period, model: options.model };
  try {
    const budget = await withPool(config, 'token budget', (pool) => setTokenBudget(pool, { ...selector, tokens: options.tokens }));
    say(`Set the ${describe(budget)} to ${budget.tokens} tokens (UTC ${budget.period}s); running workers apply it within seconds.`);
    return 0;
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    warn(error.code === 'not_found'
      ? `There is no tenant "${options.tenant}"; a tenant is created with its first key: rivulet keys create --tenant ${options.tenant}`
      : error.message);
    return error.code === 'not_found' ? 1 : 2;
  }
};

/** `rivulet budgets list --tenant T`: the tenant's budgets. */
export const listBudgets = async (config: CliConfig, options: { tenant: string }): Promise<number> => {
  const budgets = await withPool(config, 'token budget', (pool) => listTokenBudgets(pool, options.tenant));
  if (budgets.length === 0) {
    say(`Tenant ${options.tenant} has no token budgets (set one: rivulet budgets set --tenant ${options.tenant} --tokens <n>).`);
    return 0;
  }
  say(table([
    ['MODEL', 'PERIOD', 'TOKENS', 'UPDATED'],
    ...budgets.map((budget) => [budget.model, budget.period, String(budget.tokens), budget.updatedAt]),
  ]));
  return 0;
};

/** `rivulet budgets remove`: removes one budget; exits 1 when there was none. */
export const removeBudget = async (config: CliConfig, options: BudgetSelectorOptions): Promise<number> => {
  const selector = { tenantId: options.tenant, period: options.period, model: options.model };
  const removed = await withPool(config, 'token budget', (pool) => removeTokenBudget(pool, selector));
  if (!removed) {
    warn(`There is no ${describe(selector)}; nothing was removed (\`rivulet budgets list --tenant ${options.tenant}\` shows them).`);
    return 1;
  }
  say(`Removed the ${describe(selector)}.`);
  return 0;
};

const selectorOptions = (command: Command, verb: string): Command => command
  .requiredOption('--tenant <name>', `tenant whose budget to ${verb}`)
  .addOption(new Option('--period <period>', 'UTC calendar period').choices(BUDGET_PERIODS).default('day'))
  .option('--model <name>', 'one model, or * for all models together', '*');

export const registerBudgetsCommand = (program: Command, action: CommandAction): Command => {
  const budgets = program.command('budgets').description('Token budgets of tenants, per UTC day or month, for all models or one (PostgreSQL: DATABASE_URL).');
  selectorOptions(budgets.command('set'), 'set')
    .description('Set (create or replace) a budget: prompt plus output tokens allowed per period.')
    .requiredOption('--tokens <n>', 'tokens allowed per period', positiveCount)
    .action(action((config, options: SetBudgetOptions) => setBudget(config, options)));
  budgets
    .command('list')
    .description('List a tenant\'s budgets: model, period, tokens, last change.')
    .requiredOption('--tenant <name>', 'the tenant')
    .action(action((config, options: { tenant: string }) => listBudgets(config, options)));
  selectorOptions(budgets.command('remove'), 'remove')
    .description('Remove one budget (default: the daily one for all models); exits 1 when there is none.')
    .action(action((config, options: BudgetSelectorOptions) => removeBudget(config, options)));
  return budgets;
};
