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
export {
  llmVariables, createChatModelFromConfig, resolveLocalModelPath, chatProviders, DEFAULT_LOCAL_CHAT_MODEL_FILE,
  type ChatProvider, type LlmConfig,
} from './llm-config.js';
