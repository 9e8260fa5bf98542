import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from './load.js';
import { parseHostPort } from './parsers.js';
import { commaList, fromParser, oneOf, port, text, url } from './value-schemas.js';
import { variable } from './variable.js';

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

/** A number from 0 to 1. */
const ratio = () => fromParser((value) => {
  const number = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 1) throw new TypeError('expected a number from 0 to 1');
  return number;
});

const kafkaClientId = () => fromParser((value) => {
  if (!kafkaClientIdPattern.test(value)) throw new TypeError('expected letters, digits, ".", "_" or "-"');
  return value;
});

/** The variables every Rivulet process reads. Spread into `defineConfig` with the process's own. */
export const baseVariables = ({ processName, repositoryRoot = checkoutRoot(), defaultOpsPort = 0 }: BaseConfigOptions) => {
  if (!kafkaClientIdPattern.test(processName)) {
    throw new TypeError('baseVariables(): processName must be letters, digits, ".", "_" or "-"');
  }
  return {
    RIVULET_ENV: variable({
      description: 'Deployment environment: development, test or production.',
      schema: oneOf(environments), default: 'development',
    }),
    LOG_LEVEL: variable({
      description: 'Minimum log level: fatal, error, warn, info, debug, trace or silent.',
      schema: oneOf(logLevels), default: 'info',
    }),
    KAFKA_BROKERS: variable({
      description: 'Kafka bootstrap brokers, comma-separated host:port.',
      schema: commaList(parseHostPort), default: '127.0.0.1:9092',
    }),
    KAFKA_CLIENT_ID: variable({
      description: 'Client id this process presents to Kafka (shows in broker logs and quotas).',
      schema: kafkaClientId(),
      default: `rivulet-${processName}`, documentedDefault: 'rivulet-<process>',
    }),
    KAFKA_TOPIC_PREFIX: variable({
      description: 'Prepended to every topic and consumer group name, so several environments (or test runs) can share one Kafka cluster; empty by default.',
      schema: fromParser((value) => {
        if (!/^[A-Za-z0-9._-]*$/.test(value)) throw new TypeError('expected letters, digits, ".", "_" or "-"');
        return value;
      }),
      default: '', documentedDefault: '(empty)',
    }),
    SCHEMA_REGISTRY_URL: variable({
      description: 'Base URL of the Confluent-compatible schema registry API.',
      schema: url({ protocols: ['http:', 'https:'] }), default: 'http://127.0.0.1:8081/apis/ccompat/v7',
    }),
    DATABASE_URL: variable({
      description: 'PostgreSQL (with pgvector) connection URL; contains the password.',
      schema: url({ protocols: ['postgres:', 'postgresql:'] }),
      default: 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet', secret: true,
    }),
    REDIS_URL: variable({
      description: 'The state Redis (token budgets, circuit breakers, rate limits, reply-partition leases, cancel flags): configure it to persist (append-only file) and never evict (maxmemory-policy noeviction), as `rivulet infra up` does; may contain a password.',
      schema: url({ protocols: ['redis:', 'rediss:'] }), default: 'redis://127.0.0.1:6379', secret: true,
    }),
    CACHE_REDIS_URL: variable({
      description: 'The cache Redis (the embedding cache): bounded and evicting (maxmemory + allkeys-lru), nothing saved; kept apart from REDIS_URL so cache pressure can never evict budgets or breaker state. May be the same server only if that server never evicts; may contain a password.',
      schema: url({ protocols: ['redis:', 'rediss:'] }), default: 'redis://127.0.0.1:6380', secret: true,
    }),
    OPS_HOST: variable({
      description: 'Interface the per-process /health, /ready and /metrics server listens on.',
      schema: text(), default: '127.0.0.1',
    }),
    OPS_PORT: variable({
      description: 'Port of the per-process /health, /ready and /metrics server; 0 picks a free port (logged at start).',
      schema: port({ allowZero: true }), default: String(defaultOpsPort),
    }),
    RIVULET_HOME: variable({
      description: 'State folder of `rivulet infra` (service data, logs, models); a relative path is resolved against the working directory.',
      schema: text().transform((path) => resolve(path)),
      default: resolve(repositoryRoot, '.rivulet'), documentedDefault: '<repository root>/.rivulet',
    }),
    OTEL_EXPORTER_OTLP_ENDPOINT: variable({
      description: 'Base URL of an OpenTelemetry collector (OTLP over HTTP, JSON); spans go to <endpoint>/v1/traces. Tracing is off, and the OpenTelemetry SDK not loaded, when neither this nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set.',
      schema: url({ protocols: ['http:', 'https:'] }), optional: true,
    }),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: variable({
      description: 'Full URL spans are sent to (OTLP over HTTP, JSON), e.g. http://collector:4318/v1/traces; wins over OTEL_EXPORTER_OTLP_ENDPOINT.',
      schema: url({ protocols: ['http:', 'https:'] }), optional: true,
    }),
    OTEL_SERVICE_NAME: variable({
      description: 'service.name of this process\'s spans; set it per process, never once for all of them.',
      schema: text(), default: `rivulet-${processName}`, documentedDefault: 'rivulet-<process>',
    }),
    OTEL_TRACES_SAMPLER_ARG: variable({
      description: 'Share of new traces recorded, 0 to 1 (parent-based: a hop follows the sampling decision in the traceparent it receives, so a trace is kept or dropped whole).',
      schema: ratio(), default: '1',
    }),
  };
};

/** The shared base schema on its own (for processes that add nothing, and for the docs). */
export const baseSchema = (options: BaseConfigOptions) => defineConfig(baseVariables(options));
