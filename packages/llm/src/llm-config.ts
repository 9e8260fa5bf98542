import { join } from 'node:path';
import type { z } from 'zod';
import { ConfigError, integer, oneOf, optionalSetting, setting, text, url, type ConfigSchema } from '@rivulet/config';
import { createAnthropicChatModel } from './anthropic-chat-model.js';
import type { ChatModel } from './chat-model.js';
import { loadLocalChatModel } from './local-chat-model.js';
import { createOpenAIChatModel } from './openai-chat-model.js';

export const chatProviders = ['local', 'openai', 'anthropic', 'openai-compatible'] as const;
export type ChatProvider = (typeof chatProviders)[number];

/** Where `rivulet infra up` puts the local chat model, under RIVULET_HOME. */
export const DEFAULT_LOCAL_CHAT_MODEL_FILE = join('models', 'smollm2-135m-instruct', 'SmolLM2-135M-Instruct.Q4_1.gguf');

/** Context windows used when CHAT_CONTEXT_TOKENS is unset. */
const defaultContextTokens: Record<ChatProvider, number> = { local: 4096, openai: 128_000, anthropic: 200_000, 'openai-compatible': 8192 };

/** The chat model variables of the generation worker: spread into its `defineConfig` beside `baseVariables`. */
export const llmVariables = {
  CHAT_PROVIDER: setting(oneOf(chatProviders), 'local', 'Which chat model answers: `local` (a GGUF model in-process, llama.cpp on the CPU), `openai`, `anthropic` or `openai-compatible` (vLLM, Ollama, llama.cpp server).'),
  CHAT_MODEL: optionalSetting(text(), 'Model name sent to the remote provider (e.g. gpt-4o-mini, claude-haiku-4-5); required for every provider but `local`, where it only renames the model in replies (default: the GGUF file name without its quantisation, e.g. smollm2-135m-instruct).'),
  CHAT_LOCAL_MODEL_PATH: optionalSetting(text(), 'GGUF file of the local chat model, an instruction-tuned one with a chat template (`rivulet infra up` fetches the default, SmolLM2-135M-Instruct Q4_1).', { documentedDefault: '<RIVULET_HOME>/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf' }),
  CHAT_LOCAL_THREADS: optionalSetting(integer({ min: 1, max: 256 }), 'CPU threads the local chat model decodes with. One is as fast as two for the default model and does not stall when other processes share the cores; raise it for a larger model on an idle machine.', { documentedDefault: '1' }),
  CHAT_LOCAL_MAX_PROMPT_TOKENS: setting(integer({ min: 16, max: 10_000_000 }), '3072', 'The most prompt tokens (question, sources and earlier turns inside the chat template) one request to the local model may have. Sources and earlier turns are trimmed to fit; a question that alone does not fit is refused at once (`payload_too_large`, not retryable). Bounds how long one request holds the model: prompt processing runs at a few hundred tokens a second on one core, and nobody else is served meanwhile. At most the context window less one.'),
  CHAT_LOCAL_CONCURRENCY: setting(integer({ min: 1, max: 64 }), '1', 'Generations the local model decodes at once (context sequences; CHAT_CONTEXT_TOKENS each). More requests wait their turn, tenants served in turn: the waiting tenant served least recently goes next.'),
  CHAT_CONTEXT_TOKENS: optionalSetting(integer({ min: 256, max: 10_000_000 }), 'Context window of the chat model in tokens, prompt + answer; the prompt is budgeted against it.', { documentedDefault: '4096 (local), 128000 (openai), 200000 (anthropic), 8192 (openai-compatible)' }),
  CHAT_FIRST_TOKEN_TIMEOUT_MS: setting(integer({ min: 1 }), '30000', 'Milliseconds a remote chat model may take to its first output token before the request is aborted as a retryable timeout.'),
  CHAT_IDLE_TIMEOUT_MS: setting(integer({ min: 1 }), '15000', 'Milliseconds a remote chat stream may go without data, once text flows, before it is aborted as a retryable timeout.'),
  OPENAI_API_KEY: optionalSetting(text(), 'API key for `openai` (required) and `openai-compatible` (when the server wants one).', { secret: true }),
  OPENAI_BASE_URL: optionalSetting(url({ protocols: ['http:', 'https:'] }), 'Base URL up to /v1: required for `openai-compatible` (e.g. http://127.0.0.1:11434/v1); for `openai` a proxy (default https://api.openai.com/v1).'),
  ANTHROPIC_API_KEY: optionalSetting(text(), 'API key for `anthropic`.', { secret: true }),
  ANTHROPIC_BASE_URL: optionalSetting(url({ protocols: ['http:', 'https:'] }), 'Base URL of the Anthropic API without /v1 (default https://api.anthropic.com).'),
};

/** What `createChatModelFromConfig` reads: the output of `loadConfig` over `baseVariables` and `llmVariables`. */
export type LlmConfig = Readonly<{ RIVULET_HOME: string } & z.output<ConfigSchema<typeof llmVariables>>>;

/** What bounds one process's local model: threads, sequences at once, prompt tokens per request. */
export const localModelLimits = (config: Pick<LlmConfig, 'CHAT_LOCAL_THREADS' | 'CHAT_LOCAL_CONCURRENCY' | 'CHAT_LOCAL_MAX_PROMPT_TOKENS'>) => ({
  threads: config.CHAT_LOCAL_THREADS, maxConcurrent: config.CHAT_LOCAL_CONCURRENCY, maxPromptTokens: config.CHAT_LOCAL_MAX_PROMPT_TOKENS,
});

/** CHAT_LOCAL_MODEL_PATH, or the file `rivulet infra up` assembles under RIVULET_HOME. */
export const resolveLocalModelPath = (config: Pick<LlmConfig, 'RIVULET_HOME' | 'CHAT_LOCAL_MODEL_PATH'>): string =>
  config.CHAT_LOCAL_MODEL_PATH ?? join(config.RIVULET_HOME, DEFAULT_LOCAL_CHAT_MODEL_FILE);

/** Throws a ConfigError naming each variable the chosen CHAT_PROVIDER needs and does not have. */
export const checkProviderVariables = (config: LlmConfig): void => {
  const provider = config.CHAT_PROVIDER;
  const required: [string, unknown][] =
    provider === 'openai' ? [['CHAT_MODEL', config.CHAT_MODEL], ['OPENAI_API_KEY', config.OPENAI_API_KEY]]
    : provider === 'anthropic' ? [['CHAT_MODEL', config.CHAT_MODEL], ['ANTHROPIC_API_KEY', config.ANTHROPIC_API_KEY]]
    : provider === 'openai-compatible' ? [['CHAT_MODEL', config.CHAT_MODEL], ['OPENAI_BASE_URL', config.OPENAI_BASE_URL]]
    : [];
  const missing = required.filter(([, value]) => value === undefined);
  if (missing.length > 0) throw new ConfigError(missing.map(([variable]) => ({ variable, expected: `required with CHAT_PROVIDER=${provider}`, found: 'not set' })));
};

/** The configured chat model. Throws a ConfigError naming each variable the chosen provider is missing. */
export const createChatModelFromConfig = async (config: LlmConfig, options: { fetch?: typeof fetch } = {}): Promise<ChatModel> => {
  checkProviderVariables(config);
  const provider = config.CHAT_PROVIDER;
  const contextTokens = config.CHAT_CONTEXT_TOKENS ?? defaultContextTokens[provider];
  const timeouts = { firstTokenTimeoutMs: config.CHAT_FIRST_TOKEN_TIMEOUT_MS, idleTimeoutMs: config.CHAT_IDLE_TIMEOUT_MS };
  switch (provider) {
    case 'local':
      return loadLocalChatModel({ modelPath: resolveLocalModelPath(config), name: config.CHAT_MODEL, contextTokens, ...localModelLimits(config) });
    case 'anthropic':
      return createAnthropicChatModel({ apiKey: config.ANTHROPIC_API_KEY!, baseURL: config.ANTHROPIC_BASE_URL, model: config.CHAT_MODEL!, contextTokens, fetch: options.fetch, ...timeouts });
    default:
      return createOpenAIChatModel({ provider, apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, model: config.CHAT_MODEL!, contextTokens, fetch: options.fetch, ...timeouts });
  }
};
