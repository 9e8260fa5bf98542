export { runGeneration, GENERATION_GROUP } from './main.js';
export {
  createGenerationHandler, type GenerationDependencies, type ChatRouter, type BudgetGate, type GenerationObserver, type HistorySource,
  type CancellationSource, type CancellationWatch, type AttemptRegistry,
} from './handler.js';
export { createGenerationMetrics } from './metrics.js';
export { createRedisBreakerStore, breakerKey, breakerIndexKey, type RedisBreakerStoreOptions } from './redis-breaker-store.js';
export * from './budget/index.js';
export { DeltaPublisher, type DeltaEmit, type DeltaStream, type DeltaStreamOptions, type ReplyDelta } from './delta-publisher.js';
export { buildPrompt, SYSTEM_PROMPT, type Prompt, type PromptInput } from './prompt.js';
export { postgresHistory } from './history.js';
export { createRedisControl, type RedisControl } from './redis-control.js';
export { generationConfigSchema } from './config.js';
