import { baseVariables, defineConfig, duration, integer, oneOf, text, variable, withKafkaConsumer } from '@rivulet/config';
import { llmVariables } from '@rivulet/llm';

export const generationConfigSchema = withKafkaConsumer(
  defineConfig({
    ...baseVariables({ processName: 'generation' }),
    ...llmVariables,
    GENERATION_MAX_OUTPUT_TOKENS: variable({
      description: 'Tokens an answer may have when the request sets no limit (max_tokens); requests may ask for fewer or more, up to half the model\'s context.',
      schema: integer({ min: 1, max: 32_768 }), default: '512',
    }),
    GENERATION_HISTORY_TOKENS: variable({
      description: 'The most prompt tokens that a conversation\'s earlier turns may take; older turns beyond it are left out (newest kept).',
      schema: integer({ min: 0, max: 1_000_000 }), default: '1500',
    }),
    GENERATION_HISTORY_WAIT: variable({
      description: 'How long a turn waits for the previous turn\'s answer to be stored before its prompt is built without it.',
      schema: duration(), default: '2s',
    }),
    CHAT_ROUTER_CONFIG: variable({
      description: 'Path of the model router\'s JSON file: router models, their ordered deployments (provider, model, API key variable, price, context window), `auto` policy, timeouts, circuit breaker and health check (docs/operations.md, "The model router"). Unset: one deployment from CHAT_PROVIDER and the variables beside it, as router model `default`.',
      schema: text(), optional: true,
    }),
    BUDGET_REDIS_DOWN: variable({
      description: 'When Redis (which holds the token budget counts) cannot be reached: `deny` answers requests of tenants that have a budget with a retryable error; `allow` generates without counting (uncounted usage is still recorded on the usage topic). Tenants without a budget never touch Redis for it.',
      schema: oneOf(['deny', 'allow'] as const), default: 'deny',
    }),
    BUDGET_RULES_CACHE: variable({
      description: 'How long a tenant\'s budgets (`rivulet budgets set`) are reused before being read from PostgreSQL again: a changed budget applies within this time.',
      schema: duration(), default: '5s',
    }),
    REPLY_DELTA_INTERVAL: variable({
      description: 'Least time between two reply-delta records of one answer: the text a model streams meanwhile leaves in one record (a model at 200 tokens/s sends ~4 tokens per record at 20ms, not one record per token). The first text, failover markers and the end of an answer never wait for it; 0 sends whenever no other send is in flight.',
      schema: duration().refine((ms) => ms <= 1000, { message: 'expected at most 1s (text would stop streaming)' }), default: '20ms',
    }),
    GENERATION_DATABASE_POOL_SIZE: variable({
      description: 'PostgreSQL connections of one generation process (history reads).',
      schema: integer({ min: 1, max: 200 }), default: '4',
    }),
  }),
);
