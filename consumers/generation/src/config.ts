import { baseVariables, defineConfig, duration, integer, variable, withKafkaConsumer } from '@rivulet/config';
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
    GENERATION_DATABASE_POOL_SIZE: variable({
      description: 'PostgreSQL connections of one generation process (history reads).',
      schema: integer({ min: 1, max: 200 }), default: '4',
    }),
  }),
);
