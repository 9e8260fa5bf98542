export { createService, type Service, type ServiceSettings, type ConsumerSettings, type ServiceWorkerOptions, type ReadinessCheck } from './service.js';
export { createFailFastRedis, type FailFastRedisOptions } from './fail-fast-redis.js';
export { startRounds, type Rounds, type RoundsOptions } from './rounds.js';
