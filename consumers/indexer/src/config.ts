import { baseVariables, defineConfig, integer, variable, withKafkaConsumer } from '@rivulet/config';

export const indexerConfigSchema = withKafkaConsumer(
  defineConfig({
    ...baseVariables({ processName: 'indexer' }),
    INDEXER_DATABASE_POOL_SIZE: variable({
      description: 'PostgreSQL connections of one indexer process (each in-flight chunk holds one during its transaction).',
      schema: integer({ min: 1, max: 200 }), default: '8',
    }),
  }),
);
