// The router configuration of the CHAT_PROVIDER/CHAT_MODEL variables: one router model with one
// deployment, so a process without a router file runs the same router code.
import { checkProviderVariables, type LlmConfig } from './llm-config.js';
import { parseRouterConfig, type RouterConfig } from './router-config.js';

/** The router model name of a single-provider configuration. */
export const SINGLE_PROVIDER_MODEL = 'default';

/**
 * A router configuration with one router model, `default`, served by one deployment named after
 * CHAT_PROVIDER, from the variables `createChatModelFromConfig` reads. The connect timeout is
 * 5 s, or CHAT_FIRST_TOKEN_TIMEOUT_MS when that is shorter; breaker and health check defaults.
 * Throws a ConfigError naming each variable the provider needs and does not have.
 */
export const routerConfigFromSingleProvider = (config: LlmConfig): RouterConfig => {
  checkProviderVariables(config);
  const provider = config.CHAT_PROVIDER;
  const keyVariable = provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : provider === 'local' ? undefined : 'OPENAI_API_KEY';
  const key = provider === 'anthropic' ? config.ANTHROPIC_API_KEY : config.OPENAI_API_KEY;
  const baseUrl = provider === 'anthropic' ? config.ANTHROPIC_BASE_URL : provider === 'local' ? undefined : config.OPENAI_BASE_URL;
  const deployment = {
    name: provider,
    provider,
    ...(config.CHAT_MODEL === undefined ? {} : { model: config.CHAT_MODEL }),
    ...(keyVariable !== undefined && key !== undefined ? { apiKeyEnv: keyVariable } : {}),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(config.CHAT_CONTEXT_TOKENS === undefined ? {} : { contextTokens: config.CHAT_CONTEXT_TOKENS }),
  };
  const timeouts = { connectMs: Math.min(5_000, config.CHAT_FIRST_TOKEN_TIMEOUT_MS), firstTokenMs: config.CHAT_FIRST_TOKEN_TIMEOUT_MS, idleMs: config.CHAT_IDLE_TIMEOUT_MS };
  return parseRouterConfig(
    { defaultModel: SINGLE_PROVIDER_MODEL, models: { [SINGLE_PROVIDER_MODEL]: { deployments: [deployment] } }, timeouts },
    { env: keyVariable === undefined ? {} : { [keyVariable]: key }, source: 'CHAT_PROVIDER and related variables' },
  );
};
