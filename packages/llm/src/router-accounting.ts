// The running account of one routed request: usage, cost and what each deployment did.
import type { ChatUsage } from './chat-model.js';
import type { RouterDeployment } from './router-config.js';
import type { RouterAccounting, RouterStep } from './router-error.js';

const costOf = (deployment: RouterDeployment, usage: ChatUsage): number | null => {
  if (usage.inputTokens === 0 && usage.outputTokens === 0) return 0;
  if (!deployment.price) return null;
  return (usage.inputTokens * deployment.price.inputPerMillion + usage.outputTokens * deployment.price.outputPerMillion) / 1_000_000;
};

export interface RouterTally {
  /** An attempt ended; `produced`: it generated text or finished the answer. */
  attempt(deployment: RouterDeployment, step: Omit<RouterStep, 'deployment' | 'costUsd'>, produced: boolean): void;
  skip(deployment: RouterDeployment, reason: 'circuit_open' | 'rate_limited', message: string): void;
  accounting(): RouterAccounting;
  /** One line per step, for the error message. */
  summary(): string;
}

export const createTally = (): RouterTally => {
  const steps: RouterStep[] = [];
  const servedBy: string[] = [];
  return {
    attempt: (deployment, step, produced) => {
      steps.push({ ...step, deployment: deployment.name, costUsd: costOf(deployment, step.usage) });
      if (produced) servedBy.push(deployment.name);
    },
    skip: (deployment, reason, message) => {
      steps.push({ deployment: deployment.name, outcome: 'skipped', reason, message, usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0 });
    },
    accounting: () => {
      const usage = steps.reduce((sum, step) => ({ inputTokens: sum.inputTokens + step.usage.inputTokens, outputTokens: sum.outputTokens + step.usage.outputTokens }), { inputTokens: 0, outputTokens: 0 });
      const costs = steps.map((step) => step.costUsd);
      const costUsd = costs.includes(null) ? null : costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0);
      return { usage, servedBy: [...servedBy], costUsd, steps: [...steps] };
    },
    summary: () => steps.map((step) => `${step.deployment}: ${step.outcome === 'skipped' ? 'skipped, ' : ''}${step.reason ?? step.outcome}${step.message ? ` (${step.message})` : ''}`).join('; '),
  };
};
