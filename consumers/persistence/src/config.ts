import { baseVariables, defineConfig, integer, variable, withKafkaConsumer } from '@rivulet/config';

export const persistenceConfigSchema = withKafkaConsumer(
  defineConfig({
    ...baseVariables({ processName: 'persistence' }),
    PERSISTENCE_DATABASE_POOL_SIZE: variable({
      description: 'PostgreSQL connections of one persistence worker process (each message being stored holds one for its short transaction).',
      schema: integer({ min: 1, max: 200 }), default: '4',
    }),
  }),
);
