import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from './load.js';
import { parseHostPort } from './parsers.js';
import { commaList, decimal, fromParser, oneOf, port, text, url } from './value-schemas.js';
import { optionalSetting, setting } from './variable.js';

export const environments = ['development', 'test', 'production'] as const;
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface BaseConfigOptions {
  /**
   * Short name of this process, e.g. `ingress` or `embedding`; letters, digits, `.`, `_`, `-`.
   * The default Kafka client id is `rivulet-<processName>`.
   */
  processName: string;
  /** Folder holding `.rivulet` by default. Defaults to the checkout this package lives in. */
  repositoryRoot?: string;
  /** OPS_PORT when unset. Defaults to 0 (a free port, logged at start) so instances never collide. */
  defaultOpsPort?: number;
}

// src/ and dist/ both sit at packages/config/<dir>/, three levels below the repository root.
const checkoutRoot = (): string => fileURLToPath(new URL('../../../', import.meta.url));

const kafkaClientIdPattern = /^[A-Za-z0-9._-]+$/;

/** A Kafka client id, or with `allowEmpty` a topic prefix (which may be empty). */
const kafkaName = ({ allowEmpty = false } = {}) => fromParser((value) => {
  if (!(kafkaClientIdPattern.test(value) || (allowEmpty && value === ''))) throw new TypeError('expected letters, digits, ".", "_" or "-"');
  return value;
});

/** The variables every Rivulet process reads. Spread into `defineConfig` with the process's own. */
export const baseVariables = ({ processName, repositoryRoot = checkoutRoot(), defaultOpsPort = 0 }: BaseConfigOptions) => {
  if (!kafkaClientIdPattern.test(processName)) {
    throw new TypeError('baseVariables(): processName must be letters, digits, ".", "_" or "-"');
  }
  return {
    RIVULET_ENV: setting(oneOf(environments), 'development', 'Deployment environment: development, test or production.'),
    LOG_LEVEL: setting(oneOf(logLevels), 'info', 'Minimum log level: fatal, error, warn, info, debug, trace or silent.'),
    KAFKA_BROKERS: setting(commaList(parseHostPort), '127.0.0.1:9092', 'Kafka bootstrap brokers, comma-separated host:port.'),
    KAFKA_CLIENT_ID: setting(kafkaName(), `rivulet-${processName}`, 'Client id this process presents to Kafka (shows in broker logs and quotas).', { documentedDefault: 'rivulet-<process>' }),
    KAFKA_TOPIC_PREFIX: setting(kafkaName({ allowEmpty: true }), '', 'Prepended to every topic and consumer group name, so several environments (or test runs) can share one Kafka cluster; empty by default.', { documentedDefault: '(empty)' }),
    SCHEMA_REGISTRY_URL: setting(url({ protocols: ['http:', 'https:'] }), 'http://127.0.0.1:8081/apis/ccompat/v7', 'Base URL of the Confluent-compatible schema registry API.'),
    DATABASE_URL: setting(url({ protocols: ['postgres:', 'postgresql:'] }), 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet', 'PostgreSQL (with pgvector) connection URL; contains the password.', { secret: true }),
    REDIS_URL: setting(url({ protocols: ['redis:', 'rediss:'] }), 'redis://127.0.0.1:6379', 'The state Redis (token budgets, circuit breakers, rate limits, reply-partition leases, cancel flags): configure it to persist (append-only file) and never evict (maxmemory-policy noeviction), as `rivulet infra up` does; may contain a password.', { secret: true }),
    CACHE_REDIS_URL: setting(url({ protocols: ['redis:', 'rediss:'] }), 'redis://127.0.0.1:6380', 'The cache Redis (the embedding cache): bounded and evicting (maxmemory + allkeys-lru), nothing saved; kept apart from REDIS_URL so cache pressure can never evict budgets or breaker state. May be the same server only if that server never evicts; may contain a password.', { secret: true }),
    OPS_HOST: setting(text(), '127.0.0.1', 'Interface the per-process /health, /ready and /metrics server listens on.'),
    OPS_PORT: setting(port({ allowZero: true }), String(defaultOpsPort), 'Port of the per-process /health, /ready and /metrics server; 0 picks a free port (logged at start).'),
    RIVULET_HOME: setting(text().transform((path) => resolve(path)), resolve(repositoryRoot, '.rivulet'), 'State folder of `rivulet infra` (service data, logs, models); a relative path is resolved against the working directory.', { documentedDefault: '<repository root>/.rivulet' }),
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalSetting(url({ protocols: ['http:', 'https:'] }), 'Base URL of an OpenTelemetry collector (OTLP over HTTP, JSON); spans go to <endpoint>/v1/traces. Tracing is off, and the OpenTelemetry SDK not loaded, when neither this nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set.'),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalSetting(url({ protocols: ['http:', 'https:'] }), 'Full URL spans are sent to (OTLP over HTTP, JSON), e.g. http://collector:4318/v1/traces; wins over OTEL_EXPORTER_OTLP_ENDPOINT.'),
    OTEL_SERVICE_NAME: setting(text(), `rivulet-${processName}`, 'service.name of this process\'s spans; set it per process, never once for all of them.', { documentedDefault: 'rivulet-<process>' }),
    OTEL_TRACES_SAMPLER_ARG: setting(decimal({ min: 0, max: 1 }), '1', 'Share of new traces recorded, 0 to 1 (parent-based: a hop follows the sampling decision in the traceparent it receives, so a trace is kept or dropped whole).'),
  };
};

/** The shared base schema on its own (for processes that add nothing, and for the docs). */
export const baseSchema = (options: BaseConfigOptions) => defineConfig(baseVariables(options));
