import { loadConfig } from '@rivulet/config';
import { TOPICS } from '@rivulet/schemas';
import { createService, type Service, type ServiceWorkerOptions } from '@rivulet/service';
import { createPool, migrate, recordUsage, type Pool } from '@rivulet/store';
import { startCleanupSchedule, type CleanupSchedule } from './cleanup-schedule.js';
import { persistenceConfigSchema } from './config.js';
import { createPersistenceHandler, type PersistenceInput } from './handler.js';
import { createMessageStore } from './message-store.js';
import { createUsageAggregator } from './usage-aggregator.js';

export const PERSISTENCE_GROUP = 'rivulet-persistence';
/** A group of its own: usage aggregation scales, lags and replays apart from message storage. */
export const USAGE_GROUP = 'rivulet-usage';

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

/** The usage aggregator: rivulet.usage -> usage_records and usage_daily. */
export const usageWorkerOptions = (pool: Pool): ServiceWorkerOptions<'usage-recorded'> => ({
  groupId: USAGE_GROUP,
  topics: [TOPICS.usage],
  eventTypes: ['usage-recorded'],
  handler: createUsageAggregator({ sink: { record: (usage) => recordUsage(pool, usage) } }),
});

/**
 * The retention schedule of a persistence process (CONVERSATION_RETENTION, CLEANUP_INTERVAL), or
 * undefined when the retention is 0/off. Registered to stop before the pool closes.
 */
export const conversationCleanup = (
  config: { CONVERSATION_RETENTION: number; CLEANUP_INTERVAL: number },
  pool: Pool,
  service: Pick<Service, 'logger' | 'metrics' | 'onStop'>,
): CleanupSchedule | undefined => {
  if (config.CONVERSATION_RETENTION === 0) {
    service.logger.info('conversation cleanup off (CONVERSATION_RETENTION=0): run `rivulet cleanup` to delete old conversations');
    return undefined;
  }
  const schedule = startCleanupSchedule({
    pool, retentionMs: config.CONVERSATION_RETENTION, intervalMs: config.CLEANUP_INTERVAL,
    logger: service.logger.child({ component: 'cleanup' }), metrics: service.metrics,
  });
  service.onStop(schedule);
  return schedule;
};

/**
 * The persistence process: chat requests and reply ends -> conversations and messages ->
 * messages-persisted; usage events -> usage totals; expired conversations deleted on a schedule.
 */
export const runPersistence = async (env: NodeJS.ProcessEnv = process.env): Promise<{ stop(): Promise<void> }> => {
  const config = loadConfig(persistenceConfigSchema, env);
  const service = createService('persistence', config);
  await migrate({ databaseUrl: config.DATABASE_URL });
  const pool = createPool({ databaseUrl: config.DATABASE_URL, max: config.PERSISTENCE_DATABASE_POOL_SIZE, applicationName: 'rivulet-persistence' });
  service.onStop({ stop: () => pool.end() });
  conversationCleanup(config, pool, service);
  const worker = service.worker(persistenceWorkerOptions(pool));
  const usage = service.worker(usageWorkerOptions(pool));
  await service.serve({ postgres: async () => void (await pool.query('SELECT 1')) });
  await Promise.all([worker.start(), usage.start()]);
  service.logger.info({ groups: [PERSISTENCE_GROUP, USAGE_GROUP] }, 'persistence worker consuming');
  return { stop: () => service.stop() };
};
