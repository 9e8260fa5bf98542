// The "Services" section of `rivulet status`: each backing service reached at the address the
// processes use (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL, REDIS_URL), not at the ports
// `rivulet infra` starts them on, so it also checks services run elsewhere. Each check ends
// within its deadline, answered or not; credentials in the URLs are never printed.
import { createKafkaClient, openClusterInspector, silentLogger } from '@rivulet/kafka';
import { createPool } from '@rivulet/store';
import { Redis } from 'ioredis';
import type { CliConfig } from '../context.js';
import type { ServiceHealth } from './status-report.js';

type Check = (config: CliConfig, timeoutMs: number) => Promise<string>;

const reason = (error: unknown): string => {
  // fetch wraps the socket's error (ECONNREFUSED, ENOTFOUND) as the cause of "fetch failed".
  const cause = (error as { cause?: unknown }).cause;
  const source = error instanceof Error && error.message === 'fetch failed' && cause instanceof Error ? cause : error;
  // A refused connection to a name with two addresses is an AggregateError with no message, only a code.
  const text = source instanceof Error ? source.message || (source as { code?: string }).code || source.name : String(source);
  return text.split('\n')[0]!;
};

/** A URL as host:port/path, without user or password. */
const address = (text: string, defaultPort: number): string => {
  const url = new URL(text);
  const port = url.port || (url.protocol === 'https:' ? 443 : defaultPort);
  return `${url.hostname}:${port}${url.pathname === '/' ? '' : url.pathname}`;
};

const postgres: Check = async (config, timeoutMs) => {
  const pool = createPool({ databaseUrl: config.DATABASE_URL, max: 1, applicationName: 'rivulet-status', connectionTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs });
  pool.on('error', () => undefined); // an idle client's late error: the check already has its answer
  try {
    const { rows } = await pool.query<{ version: string }>(`SELECT current_setting('server_version') AS version`);
    return `PostgreSQL ${rows[0]?.version ?? '?'} answered`;
  } finally {
    await pool.end();
  }
};

const redisAt = (url: (config: CliConfig) => string): Check => async (config, timeoutMs) => {
  const client = new Redis(url(config), {
    lazyConnect: true, enableOfflineQueue: false, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => (lastError = error));
  try {
    await client.connect();
    return `PING answered ${await client.ping()}`;
  } catch (error) {
    // ioredis rejects a failed connect with "Connection is closed."; the cause came as an 'error' event.
    throw lastError ?? error;
  } finally {
    client.disconnect();
  }
};

const kafka: Check = async (config, timeoutMs) => {
  const client = createKafkaClient({
    brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger: silentLogger, connectionTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs,
  });
  const inspector = await openClusterInspector({ kafka: client, brokers: config.KAFKA_BROKERS, timeoutMs });
  try {
    return `metadata answered (${(await inspector.topicNames()).length} topics)`;
  } finally {
    await inspector.close().catch(() => undefined);
  }
};

const schemaRegistry: Check = async (config, timeoutMs) => {
  const response = await fetch(`${config.SCHEMA_REGISTRY_URL}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`GET /subjects answered ${response.status}`);
  return `GET /subjects answered ${response.status}`;
};

const CHECKS: readonly { component: string; address: (config: CliConfig) => string; check: Check }[] = [
  { component: 'postgres', address: (config) => address(config.DATABASE_URL, 5432), check: postgres },
  { component: 'redis', address: (config) => address(config.REDIS_URL, 6379), check: redisAt((config) => config.REDIS_URL) },
  { component: 'redis-cache', address: (config) => address(config.CACHE_REDIS_URL, 6379), check: redisAt((config) => config.CACHE_REDIS_URL) },
  { component: 'kafka', address: (config) => config.KAFKA_BROKERS.join(','), check: kafka },
  { component: 'schema-registry', address: (config) => address(config.SCHEMA_REGISTRY_URL, 80), check: schemaRegistry },
];

/** Fails a check that outlives its deadline (plus a little for the clients' own timers to fire first). */
const withinDeadline = <Result>(work: Promise<Result>, timeoutMs: number): Promise<Result> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs + 500);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
};

/** Every backing service at its configured address: up with what answered, or down with why. */
export const checkServices = (config: CliConfig, { timeoutMs }: { timeoutMs: number }): Promise<ServiceHealth[]> =>
  Promise.all(CHECKS.map(async ({ component, address: addressOf, check }): Promise<ServiceHealth> => {
    let where: string;
    try {
      where = addressOf(config);
    } catch {
      where = '(unparsable URL)';
    }
    try {
      return { component, address: where, healthy: true, detail: await withinDeadline(check(config, timeoutMs), timeoutMs) };
    } catch (error) {
      return { component, address: where, healthy: false, detail: reason(error) };
    }
  }));
