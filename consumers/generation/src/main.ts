import { loadConfig } from '@rivulet/config';
import {
  createHealthCheck, createModelRouter, loadLocalChatModel, loadRouterConfig, localModelLimits, resolveLocalModelPath, routerConfigFromSingleProvider, usesLocalModel,
  type ChatModel, type RouterConfig,
} from '@rivulet/llm';
import { TOPICS } from '@rivulet/schemas';
import { createService } from '@rivulet/service';
import { createPool, migrate } from '@rivulet/store';
import { createBudgetPolicy, createBudgetRedis, createCachedBudgetRules, createRedisBudgetLedger, createRedisClock, storeBudgetRules } from './budget/index.js';
import { generationConfigSchema } from './config.js';
import { DeltaPublisher } from './delta-publisher.js';
import { createGenerationHandler, type BudgetGate } from './handler.js';
import { postgresHistory } from './history.js';
import { createGenerationMetrics } from './metrics.js';
import { createRedisBreakerStore } from './redis-breaker-store.js';
import { createRedisControl } from './redis-control.js';

export const GENERATION_GROUP = 'rivulet-generation';

/** Local context window when neither the router file nor CHAT_CONTEXT_TOKENS names one. */
const DEFAULT_LOCAL_CONTEXT_TOKENS = 4096;

/** The generation process: context-retrieved -> the model router -> reply-delta... reply-end on the request's replies partition, usage-recorded. */
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

    // One fail-fast connection for budgets and breakers: a Redis outage answers at once, never hangs a request.
    const redis = createBudgetRedis(config.REDIS_URL, { onError: (error) => service.logger.debug({ err: error }, 'redis (budgets, breakers) connection error') });
    service.onStop({ stop: () => Promise.resolve(redis.disconnect()) });
    await redis.connect().catch((error: unknown) => service.logger.warn({ err: error }, 'redis unreachable at start; budgets follow BUDGET_REDIS_DOWN until it returns'));
    // Budget periods on Redis's clock, not this machine's (a skewed worker must not charge another day).
    const clock = createRedisClock({ redis, onError: (error) => service.logger.debug({ err: error }, 'redis clock sync failed; the last offset stays') });
    await clock.sync().catch((error: unknown) => service.logger.warn({ err: error }, 'redis clock not synced at start; budget periods use this machine\'s clock until it is'));
    clock.start();
    service.onStop(clock);

    const routerConfig: RouterConfig = config.CHAT_ROUTER_CONFIG === undefined
      ? routerConfigFromSingleProvider(config)
      : await loadRouterConfig({ path: config.CHAT_ROUTER_CONFIG, env });
    let localModel: ChatModel | undefined;
    if (usesLocalModel(routerConfig)) {
      localModel = await loadLocalChatModel({
        modelPath: resolveLocalModelPath(config), name: config.CHAT_MODEL, contextTokens: config.CHAT_CONTEXT_TOKENS ?? DEFAULT_LOCAL_CONTEXT_TOKENS,
        ...localModelLimits(config),
      });
      const loaded = localModel;
      service.onStop({ stop: () => loaded.close() });
    }
    const observers = createGenerationMetrics(service.metrics, service.logger.child({ component: 'router' }));
    const router = createModelRouter({
      config: routerConfig, localModel, observer: observers.router,
      breakers: createRedisBreakerStore({ redis, prefix: config.KAFKA_TOPIC_PREFIX, settings: routerConfig.breaker }),
    });
    service.onStop({ stop: () => router.close() });
    const health = createHealthCheck({ router });
    health.start();
    service.onStop(health);
    service.logger.info({
      source: config.CHAT_ROUTER_CONFIG ?? 'CHAT_PROVIDER', defaultModel: routerConfig.defaultModel, auto: routerConfig.auto !== undefined,
      deployments: router.deployments.map(({ name, routerModel, provider, model }) => ({ name, routerModel, provider, model })),
    }, 'model router ready');

    const rules = createCachedBudgetRules({ load: storeBudgetRules(pool), ttlMs: config.BUDGET_RULES_CACHE });
    const policy = createBudgetPolicy({
      ledger: createRedisBudgetLedger({ redis, prefix: config.KAFKA_TOPIC_PREFIX, now: clock.now }), rules, onRedisDown: config.BUDGET_REDIS_DOWN, now: clock.now,
    });
    const budget: BudgetGate = {
      reserve: (request) => policy.reserve(request),
      settle: (reservation, tokens) => policy.settle(reservation, tokens),
      standing: async (tenantId, apiKeyId) => {
        const [tenantRules, standing] = await Promise.all([rules(tenantId, apiKeyId), policy.remaining({ tenantId, apiKeyId, model: '*' })]);
        return { tier: tenantRules.tier, ratio: standing.ratio };
      },
    };

    const worker = service.worker({
      groupId: GENERATION_GROUP, topics: [TOPICS.contextsRetrieved], eventTypes: ['context-retrieved'],
      handler: createGenerationHandler({
        router, budget, observer: observers.generation,
        history: postgresHistory(pool, config.GENERATION_HISTORY_WAIT),
        cancellation: control, attempts: control,
        deltas: new DeltaPublisher({ intervalMs: config.REPLY_DELTA_INTERVAL }),
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
