import {
  baseVariables, databasePoolSize, defineConfig, duration, integer, oneOf, optionalSetting, setting, text, withKafkaConsumer,
} from '@rivulet/config';
import { llmVariables } from '@rivulet/llm';

export const generationConfigSchema = withKafkaConsumer(
  defineConfig({
    ...baseVariables({ processName: 'generation' }),
    ...llmVariables,
    GENERATION_MAX_OUTPUT_TOKENS: setting(integer({ min: 1, max: 32_768 }), '512', 'Tokens an answer may have when the request sets no limit (max_tokens); requests may ask for fewer or more, up to half the model\'s context.'),
    GENERATION_HISTORY_TOKENS: setting(integer({ min: 0, max: 1_000_000 }), '1500', 'The most prompt tokens that a conversation\'s earlier turns may take; older turns beyond it are left out (newest kept).'),
    GENERATION_HISTORY_WAIT: setting(duration(), '2s', 'How long a turn waits for the previous turn\'s answer to be stored before its prompt is built without it.'),
    CHAT_ROUTER_CONFIG: optionalSetting(text(), 'Path of the model router\'s JSON file: router models, their ordered deployments (provider, model, API key variable, price, context window), `auto` policy, timeouts, circuit breaker and health check (docs/operations.md, "The model router"). Unset: one deployment from CHAT_PROVIDER and the variables beside it, as router model `default`.'),
    BUDGET_REDIS_DOWN: setting(oneOf(['deny', 'allow'] as const), 'deny', 'When Redis (which holds the token budget counts) cannot be reached: `deny` answers requests of tenants that have a budget with a retryable error; `allow` generates without counting (uncounted usage is still recorded on the usage topic). Tenants without a budget never touch Redis for it.'),
    BUDGET_RULES_CACHE: setting(duration(), '5s', 'How long a tenant\'s budgets (`rivulet budgets set`) are reused before being read from PostgreSQL again: a changed budget applies within this time.'),
    REPLY_DELTA_INTERVAL: setting(duration().refine((ms) => ms <= 1000, { message: 'expected at most 1s (text would stop streaming)' }), '20ms', 'Least time between two reply-delta records of one answer: the text a model streams meanwhile leaves in one record (a model at 200 tokens/s sends ~4 tokens per record at 20ms, not one record per token). The first text, failover markers and the end of an answer never wait for it; 0 sends whenever no other send is in flight.'),
    ...databasePoolSize('GENERATION', '4', 'one generation process (history reads)'),
  }),
);
