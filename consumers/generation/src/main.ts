import { loadConfig } from '@rivulet/config';
import { createChatModelFromConfig } from '@rivulet/llm';
import { TOPICS } from '@rivulet/schemas';
import { createService } from '@rivulet/service';
import { createPool, migrate } from '@rivulet/store';
import { generationConfigSchema } from './config.js';
import { DeltaPublisher } from './delta-publisher.js';
import { createGenerationHandler } from './handler.js';
import { postgresHistory } from './history.js';
import { createRedisControl } from './redis-control.js';

export const GENERATION_GROUP = 'rivulet-generation';

/** The generation process: context-retrieved -> the model -> reply-delta... reply-end on the request's replies partition. */
export const runGeneration = async (env: NodeJS.ProcessEnv = process.env): Promise<{ stop(): Promise<void> }> => {
  const config = loadConfig(generationConfigSchema, env);
  const service = createService('generation', config);
  try {
    await migrate({ databaseUrl: config.DATABASE_URL });
    const pool = createPool({ databaseUrl: config.DATABASE_URL, max: config.GENERATION_DATABASE_POOL_SIZE, applicationName: 'rivulet-generation' });
    service.onStop({ stop: () => pool.end() });
    const control = createRedisControl({ url: config.REDIS_URL, prefix: config.KAFKA_TOPIC_PREFIX });
    service.onStop(control);
    await control.start();
    const model = await createChatModelFromConfig(config);
    service.onStop({ stop: () => model.close() });
    service.logger.info({ provider: model.provider, model: model.model, contextTokens: model.contextTokens }, 'chat model ready');

    const worker = service.worker({
      groupId: GENERATION_GROUP, topics: [TOPICS.contextsRetrieved], eventTypes: ['context-retrieved'],
      handler: createGenerationHandler({
        models: { resolve: () => model },
        history: postgresHistory(pool, config.GENERATION_HISTORY_WAIT),
        cancellation: control, attempts: control,
        deltas: new DeltaPublisher(service.producer),
        defaultMaxOutputTokens: config.GENERATION_MAX_OUTPUT_TOKENS,
        historyTokenBudget: config.GENERATION_HISTORY_TOKENS,
      }),
    });
    await service.serve({
      postgres: async () => void (await pool.query('SELECT 1')),
      redis: () => control.ping(),
    });
    await worker.start();
    service.logger.info({ group: GENERATION_GROUP }, 'generation consuming');
    return { stop: () => service.stop() };
  } catch (error) {
    await service.stop();
    throw error;
  }
};
