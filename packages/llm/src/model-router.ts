// The model router: named models served by ordered deployments, with failover (mid-stream
// included), circuit breakers and Retry-After waits. See router-types.ts for the contract.
import { chooseAutoModel } from './auto-policy.js';
import type { ChatModel } from './chat-model.js';
import type { BreakerStore } from './circuit-breaker.js';
import { createDeploymentModel } from './deployment-model.js';
import { countBpeTokens } from './bpe-tokens.js';
import { estimateTokens } from './estimate-tokens.js';
import { createMemoryBreakerStore } from './memory-breaker-store.js';
import { ProviderError } from './provider-error.js';
import type { RouterConfig, RouterDeployment } from './router-config.js';
import type { RouterObserver } from './router-observer.js';
import { routeStream } from './router-stream.js';
import type { ModelRouter, RouterRequest } from './router-types.js';
import { trackBreakers } from './tracked-breakers.js';

export interface ModelRouterOptions {
  readonly config: RouterConfig;
  /** The process's one local model, shared by every `local` deployment (required when there is one). */
  readonly localModel?: ChatModel | undefined;
  /** Builds a deployment's adapter (default: createDeploymentModel with the config's keys and timeouts). */
  readonly createModel?: ((deployment: RouterDeployment) => ChatModel) | undefined;
  /** Breaker state (default: in memory, per process, with config.breaker). */
  readonly breakers?: BreakerStore | undefined;
  readonly observer?: RouterObserver | undefined;
  /** The fetch remote adapters use, under the connect timeout (default: the global fetch). */
  readonly fetch?: typeof fetch | undefined;
  /** [0, 1) for the weighted order within a priority (default Math.random). */
  readonly random?: (() => number) | undefined;
  /** Epoch ms (default Date.now). */
  readonly now?: (() => number) | undefined;
}

export const createModelRouter = ({
  config,
  localModel,
  createModel,
  breakers = createMemoryBreakerStore(config.breaker),
  observer = {},
  fetch: fetchFunction,
  random = Math.random,
  now = Date.now,
}: ModelRouterOptions): ModelRouter => {
  const build = createModel ?? ((deployment: RouterDeployment) =>
    createDeploymentModel(deployment, { apiKey: config.apiKeys.get(deployment.name), timeouts: config.timeouts, fetch: fetchFunction, localModel }));
  const deployments = Object.values(config.models).flatMap((model) => model.deployments);
  const models = new Map(deployments.map((deployment) => [deployment.name, build(deployment)]));
  const tracked = trackBreakers(breakers, observer, { now });
  const context = { config, models, breakers: tracked, observer, cooling: new Map<string, number>(), random, now };
  const names = Object.keys(config.models);
  const servedBy = (routerModel: string): ChatModel[] => {
    const served = config.models[routerModel]?.deployments;
    if (!served) throw new TypeError(`router: unknown model ${JSON.stringify(routerModel)}`);
    return served.map((deployment) => models.get(deployment.name)!);
  };

  const resolveModel: ModelRouter['resolveModel'] = ({ model = config.defaultModel, messages, autoContext = {} }) => {
    if (model === 'auto') {
      if (!config.auto) return { model: config.defaultModel };
      const question = messages.findLast((message) => message.role === 'user')?.content ?? '';
      const auto = chooseAutoModel(config.auto, {
        questionTokens: autoContext.questionTokens ?? estimateTokens(question),
        tenantTier: autoContext.tenantTier ?? null,
        budgetRemainingRatio: autoContext.budgetRemainingRatio ?? null,
      });
      return { model: auto.model, auto };
    }
    if (!names.includes(model)) {
      throw new ProviderError({ provider: 'router', code: 'invalid_request', message: `router: unknown model ${JSON.stringify(model)}; expected auto or one of ${names.join(', ')}`, retryable: false });
    }
    return { model };
  };

  return {
    config,
    deployments,
    breakers: context.breakers,
    resolveModel,
    stream: async function* (request: RouterRequest) {
      yield* routeStream(context, request, resolveModel(request).model);
    },
    contextTokens: (routerModel) => Math.min(...servedBy(routerModel).map((model) => model.contextTokens)),
    maxPromptTokens: (routerModel) => Math.min(...servedBy(routerModel).map((model) => model.maxPromptTokens ?? model.contextTokens)),
    countTokens: (text, routerModel) => {
      const first = routerModel === undefined ? undefined : config.models[routerModel]?.deployments[0];
      return first === undefined ? countBpeTokens(text) : models.get(first.name)!.countTokens(text);
    },
    chatModel: (deployment) => {
      const model = models.get(deployment);
      if (!model) throw new TypeError(`router: unknown deployment ${JSON.stringify(deployment)}`);
      return model;
    },
    close: async () => {
      await tracked.flush();
      await Promise.all([...models.values()].map((model) => model.close()));
    },
  };
};
