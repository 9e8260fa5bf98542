/**
 * Where clients find the services `infraUp` starts with its default ports. Other packages use
 * these as configuration defaults; a changed port must be passed to them as configuration.
 */
export const connectionDefaults = {
  kafkaBrokers: '127.0.0.1:9092',
  /** Apicurio Registry's Confluent-compatible API, the one @kafkajs/confluent-schema-registry speaks. */
  registryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
  /** The `rivulet` role owns the `rivulet` database (may create schemas) but is not a superuser. */
  databaseUrl: 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet',
  /** The state Redis: budgets, breakers, leases, rate limits (saved to disk, never evicting). */
  redisUrl: 'redis://127.0.0.1:6379',
  /** The cache Redis: embeddings (bounded, evicting). */
  cacheRedisUrl: 'redis://127.0.0.1:6380',
} as const;

/** The same addresses for other ports. */
export const connectionsFor = (ports: {
  kafkaPort: number;
  registryPort: number;
  postgresPort: number;
  redisPort: number;
  redisCachePort: number;
}): { kafkaBrokers: string; registryUrl: string; databaseUrl: string; redisUrl: string; cacheRedisUrl: string } => ({
  kafkaBrokers: `127.0.0.1:${ports.kafkaPort}`,
  registryUrl: `http://127.0.0.1:${ports.registryPort}/apis/ccompat/v7`,
  databaseUrl: `postgres://rivulet:rivulet@127.0.0.1:${ports.postgresPort}/rivulet`,
  redisUrl: `redis://127.0.0.1:${ports.redisPort}`,
  cacheRedisUrl: `redis://127.0.0.1:${ports.redisCachePort}`,
});
