// The ChatModel behind one deployment of the router configuration.
import { createAnthropicChatModel } from './anthropic-chat-model.js';
import type { ChatModel } from './chat-model.js';
import { limitConcurrency } from './concurrency-limit.js';
import { withConnectTimeout } from './connect-timeout.js';
import { createOpenAIChatModel } from './openai-chat-model.js';
import type { RouterDeployment, RouterTimeouts } from './router-config.js';

export interface DeploymentModelOptions {
  /** The deployment's API key (RouterConfig.apiKeys). */
  readonly apiKey: string | undefined;
  readonly timeouts: RouterTimeouts;
  /** The fetch under the connect timeout (default: the global fetch); injected for tests and proxies. */
  readonly fetch?: typeof fetch | undefined;
  /** The process's one local model, shared by every `local` deployment. */
  readonly localModel?: ChatModel | undefined;
}

/**
 * Builds a deployment's adapter: OpenAI, OpenAI-compatible or Anthropic with the router's
 * timeouts (the connect timeout as a fetch wrapper) and its `maxConcurrent` slots, or a view of the shared local model that
 * carries the deployment's `model` name and whose `close` leaves the model open (its owner closes it).
 */
export const createDeploymentModel = (deployment: RouterDeployment, { apiKey, timeouts, fetch: fetchFunction = globalThis.fetch, localModel }: DeploymentModelOptions): ChatModel => {
  const { provider, baseUrl, contextTokens } = deployment;
  if (provider === 'local') {
    if (!localModel) throw new TypeError(`deployment ${deployment.name}: provider local needs the local model (createModelRouter's localModel option)`);
    return {
      provider: localModel.provider,
      model: deployment.model ?? localModel.model,
      contextTokens: Math.min(contextTokens ?? localModel.contextTokens, localModel.contextTokens),
      maxPromptTokens: localModel.maxPromptTokens,
      countTokens: (text) => localModel.countTokens(text),
      stream: (request) => localModel.stream(request),
      close: () => Promise.resolve(),
    };
  }
  const common = {
    model: deployment.model ?? '',
    contextTokens: contextTokens ?? 8192,
    fetch: withConnectTimeout(fetchFunction, timeouts.connectMs),
    firstTokenTimeoutMs: timeouts.firstTokenMs,
    idleTimeoutMs: timeouts.idleMs,
  };
  const remote = provider === 'anthropic'
    ? createAnthropicChatModel({ ...common, apiKey: apiKey ?? '', baseURL: baseUrl })
    : createOpenAIChatModel({ ...common, provider, apiKey, baseURL: baseUrl });
  return deployment.maxConcurrent === undefined ? remote : limitConcurrency(remote, deployment.maxConcurrent);
};
