import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/ is one level below it). */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where results go: bench/results/ (git-ignored). */
export const resultsDirectory = fileURLToPath(new URL('../results/', import.meta.url));

/**
 * The directory the user ran the command in: `npm run -w @rivulet/bench` changes into bench/ and
 * keeps the original in INIT_CWD, so relative paths on the command line mean what the user meant.
 */
export const invocationDirectory = (env: NodeJS.ProcessEnv): string => env.INIT_CWD ?? process.cwd();

/** `RIVULET_HOME` as `rivulet infra up` uses it (relative paths against the working directory), else `<root>/.rivulet`. */
export const rivuletHome = (env: NodeJS.ProcessEnv): string => (env.RIVULET_HOME ? resolve(invocationDirectory(env), env.RIVULET_HOME) : join(repositoryRoot, '.rivulet'));

/** The model folder the embedding worker reads by default. */
export const defaultModelDirectory = (env: NodeJS.ProcessEnv): string =>
  env.EMBEDDING_MODEL_DIR ? resolve(invocationDirectory(env), env.EMBEDDING_MODEL_DIR) : join(rivuletHome(env), 'models', 'all-minilm-l6-v2');

/** The backing services, with the same variables and defaults as every Rivulet process (docs/configuration.md). */
export const serviceAddresses = (env: NodeJS.ProcessEnv) => ({
  brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim()).filter(Boolean),
  registryUrl: env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  databaseUrl: env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet',
  redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  cacheRedisUrl: env.CACHE_REDIS_URL ?? 'redis://127.0.0.1:6380',
});
