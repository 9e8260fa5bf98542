import { loadConfig } from '@rivulet/config';
import { TOPICS } from '@rivulet/schemas';
import { createService, type ServiceWorkerOptions } from '@rivulet/service';
import { createPool, migrate, type Pool } from '@rivulet/store';
import { persistenceConfigSchema } from './config.js';
import { createPersistenceHandler, type PersistenceInput } from './handler.js';
import { createMessageStore } from './message-store.js';

export const PERSISTENCE_GROUP = 'rivulet-persistence';

/**
 * The consumer: one group over both topics. The replies topic also carries reply-delta, which the
 * runtime acknowledges without calling the handler.
 */
export const persistenceWorkerOptions = (pool: Pool): ServiceWorkerOptions<PersistenceInput> => ({
  groupId: PERSISTENCE_GROUP,
  topics: [TOPICS.chatRequests, TOPICS.replies],
  eventTypes: ['chat-request-received', 'reply-end'],
  handler: createPersistenceHandler({ store: createMessageStore(pool) }),
});

/** The persistence process: chat requests and reply ends -> conversations and messages -> messages-persisted. */
export const runPersistence = async (env: NodeJS.ProcessEnv = process.env): Promise<{ stop(): Promise<void> }> => {
  const config = loadConfig(persistenceConfigSchema, env);
  const service = createService('persistence', config);
  await migrate({ databaseUrl: config.DATABASE_URL });
  const pool = createPool({ databaseUrl: config.DATABASE_URL, max: config.PERSISTENCE_DATABASE_POOL_SIZE, applicationName: 'rivulet-persistence' });
  service.onStop({ stop: () => pool.end() });
  const worker = service.worker(persistenceWorkerOptions(pool));
  await service.serve({ postgres: async () => void (await pool.query('SELECT 1')) });
  await worker.start();
  service.logger.info({ group: PERSISTENCE_GROUP }, 'persistence worker consuming');
  return { stop: () => service.stop() };
};
