/**
 * @rivulet/llm: the ChatModel port (CONVENTIONS.md rule 8) and its adapters: a local GGUF
 * model run in-process by node-llama-cpp on the CPU, OpenAI and any OpenAI-compatible server,
 * and Anthropic. Workers code against `ChatModel`; main.ts builds one with
 * `createChatModelFromConfig` from the variables in `llmVariables`.
 */
export type { ChatMessage, ChatRole, ChatGenerationRequest, ChatUsage, FinishReason, ChatStreamEvent, ChatModel } from './chat-model.js';
export { ProviderError, isAbortError, type ProviderErrorCode, type ProviderErrorOptions } from './provider-error.js';
export { createOpenAIChatModel, type OpenAIChatModelOptions } from './openai-chat-model.js';
export { createAnthropicChatModel, type AnthropicChatModelOptions } from './anthropic-chat-model.js';
export { loadLocalChatModel, type LocalChatModelOptions } from './local-chat-model.js';
export { estimateTokens } from './estimate-tokens.js';
export { countBpeTokens } from './bpe-tokens.js';
export {
  llmVariables, createChatModelFromConfig, checkProviderVariables, resolveLocalModelPath, localModelLimits, chatProviders, DEFAULT_LOCAL_CHAT_MODEL_FILE,
  type ChatProvider, type LlmConfig,
} from './llm-config.js';

// The model router: named models served by ordered deployments with failover, continuation,
// circuit breakers and a health check; configured from a JSON file or the variables above.
export { createModelRouter, type ModelRouterOptions } from './model-router.js';
export type { ModelRouter, RouterRequest, RouterStreamEvent, RouterEnd } from './router-types.js';
export { RouterError, RouterAbortError, type RouterAccounting, type RouterStep } from './router-error.js';
export {
  loadRouterConfig, parseRouterConfig, usesLocalModel,
  type RouterConfig, type RouterDeployment, type DeploymentPrice, type AutoPolicyConfig, type RouterTimeouts,
} from './router-config.js';
export { routerProviders, type RouterProvider } from './router-config-schema.js';
export { RouterConfigError, type RouterConfigIssue } from './router-config-error.js';
export { routerConfigFromSingleProvider, SINGLE_PROVIDER_MODEL } from './single-provider-config.js';
export { chooseAutoModel, type AutoContext, type AutoChoice, type AutoReason } from './auto-policy.js';
export { orderDeployments } from './deployment-order.js';
export { CONTINUE_INSTRUCTION, continuationOf, type Continuation } from './continuation.js';
export { createDeploymentModel, type DeploymentModelOptions } from './deployment-model.js';
export { withConnectTimeout, ConnectTimeoutError } from './connect-timeout.js';
export {
  BREAKER_BUCKETS, checkBreakerSettings,
  type BreakerStore, type BreakerSettings, type BreakerState, type BreakerStateName, type BreakerOutcome,
} from './circuit-breaker.js';
export { createMemoryBreakerStore } from './memory-breaker-store.js';
export { createHealthCheck, HEALTH_PROBE_MESSAGES, type HealthCheck, type HealthCheckOptions, type HealthProbe } from './health-check.js';
export type { RouterObserver, AttemptLabels, AttemptEnd, FailoverInfo, FailoverReason } from './router-observer.js';
