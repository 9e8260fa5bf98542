export { runPersistence, persistenceWorkerOptions, usageWorkerOptions, conversationCleanup, PERSISTENCE_GROUP, USAGE_GROUP } from './main.js';
export { startCleanupSchedule, FIRST_ROUND_JITTER_MS, type CleanupSchedule, type CleanupScheduleOptions, type CleanupRound } from './cleanup-schedule.js';
export { createUsageAggregator, type UsageSink } from './usage-aggregator.js';
export { createPersistenceHandler, type PersistenceDependencies, type PersistenceInput } from './handler.js';
export { createMessageStore, type MessageStore } from './message-store.js';
export { nameBasedUuid, PERSISTENCE_NAMESPACE } from './event-id.js';
export { persistenceConfigSchema } from './config.js';
