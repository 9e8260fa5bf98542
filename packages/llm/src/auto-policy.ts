// Which router model `auto` means for one request: a pure function of the request's facts.
import type { AutoPolicyConfig } from './router-config.js';

/** What the caller knows about a request when it asks for `auto`. */
export interface AutoContext {
  /** Tokens of the user's question (default: the last user message, estimated). */
  readonly questionTokens?: number | undefined;
  /** The tenant's plan, e.g. `free`, `pro`. */
  readonly tenantTier?: string | null | undefined;
  /** Share of the tenant's budget left (0..1); null or absent when unknown or unlimited. */
  readonly budgetRemainingRatio?: number | null | undefined;
}

/** Why `auto` chose what it chose (a metric label). */
export type AutoReason = 'budget_reserve' | 'strong_tier' | 'complex_question' | 'simple_question';

export interface AutoChoice {
  /** The router model name: `policy.cheap` or `policy.strong`. */
  readonly model: string;
  readonly reason: AutoReason;
}

/**
 * In order: cheap when the remaining budget ratio is below budgetReserveRatio (the reserve is
 * kept whatever the tier or question); strong for a tier in strongTiers; strong for a question
 * of at least complexQuestionTokens; cheap otherwise.
 */
export const chooseAutoModel = (policy: AutoPolicyConfig, input: { questionTokens: number; tenantTier: string | null; budgetRemainingRatio: number | null }): AutoChoice => {
  if (input.budgetRemainingRatio !== null && input.budgetRemainingRatio < policy.budgetReserveRatio) return { model: policy.cheap, reason: 'budget_reserve' };
  if (input.tenantTier !== null && policy.strongTiers.includes(input.tenantTier)) return { model: policy.strong, reason: 'strong_tier' };
  if (input.questionTokens >= policy.complexQuestionTokens) return { model: policy.strong, reason: 'complex_question' };
  return { model: policy.cheap, reason: 'simple_question' };
};
