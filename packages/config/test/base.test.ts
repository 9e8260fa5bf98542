import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import {
  ConfigError, baseSchema, baseVariables, defineConfig, kafkaConsumerSchema, loadConfig, text, variable, withKafkaConsumer,
} from '../src/index.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

await test('base schema: has the documented defaults', () => {
  const config = loadConfig(baseSchema({ processName: 'embedding' }), {});
  assert.deepEqual({ ...config }, {
    RIVULET_ENV: 'development',
    LOG_LEVEL: 'info',
    KAFKA_BROKERS: ['127.0.0.1:9092'],
    KAFKA_CLIENT_ID: 'rivulet-embedding',
    KAFKA_TOPIC_PREFIX: '',
    SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
    DATABASE_URL: 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet',
    REDIS_URL: 'redis://127.0.0.1:6379',
    CACHE_REDIS_URL: 'redis://127.0.0.1:6380',
    OPS_HOST: '127.0.0.1',
    OPS_PORT: 0,
    RIVULET_HOME: resolve(repositoryRoot, '.rivulet'),
    OTEL_SERVICE_NAME: 'rivulet-embedding',
    OTEL_TRACES_SAMPLER_ARG: 1,
  });
});

await test('base schema: tracing variables (OpenTelemetry names) are parsed and checked', () => {
  const config = loadConfig(baseSchema({ processName: 'retrieval' }), {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'search-stage', OTEL_TRACES_SAMPLER_ARG: '0.25',
  });
  assert.equal(config.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://collector:4318');
  assert.equal(config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, undefined);
  assert.equal(config.OTEL_SERVICE_NAME, 'search-stage');
  assert.equal(config.OTEL_TRACES_SAMPLER_ARG, 0.25);
  assert.throws(() => loadConfig(baseSchema({ processName: 'retrieval' }), { OTEL_TRACES_SAMPLER_ARG: '1.5' }), /OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1/);
  assert.throws(() => loadConfig(baseSchema({ processName: 'retrieval' }), { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318' }), /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/);
});

await test('base schema: parses overrides', () => {
  const config = loadConfig(baseSchema({ processName: 'ingress', defaultOpsPort: 9464 }), {
    KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092', LOG_LEVEL: 'debug', RIVULET_ENV: 'production', RIVULET_HOME: '/var/lib/rivulet',
  });
  assert.deepEqual(config.KAFKA_BROKERS, ['kafka-1:9092', 'kafka-2:9092']);
  assert.equal(config.LOG_LEVEL, 'debug');
  assert.equal(config.OPS_PORT, 9464);
  assert.equal(config.RIVULET_HOME, '/var/lib/rivulet');
});

await test('base schema: names bad base variables and redacts secret ones', () => {
  const error = (() => {
    try {
      loadConfig(baseSchema({ processName: 'x' }), { LOG_LEVEL: 'verbose', DATABASE_URL: 'mysql://root:s3cret@db/x', OPS_PORT: '99999' });
    } catch (caught) {
      return caught;
    }
  })();
  assert.ok(error instanceof ConfigError);
  assert.match(error.message, /LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent; found "verbose"/);
  assert.match(error.message, /DATABASE_URL: expected a URL starting with postgres:\/\/ or postgresql:\/\/; found <redacted>/);
  assert.match(error.message, /OPS_PORT: expected a port number from 0 to 65535/);
  assert.ok(!error.message.includes('s3cret'));
});

await test('base schema: refuses a process name Kafka would not accept as a client id', () => {
  assert.throws(() => baseVariables({ processName: 'my worker' }), /processName/);
});

await test('Kafka consumer fragment: has the documented defaults in milliseconds', () => {
  assert.deepEqual({ ...loadConfig(kafkaConsumerSchema, {}) }, {
    KAFKA_SESSION_TIMEOUT: 30_000,
    KAFKA_HEARTBEAT_INTERVAL: 3_000,
    CONSUMER_MAX_IN_FLIGHT_PER_PARTITION: 16,
    CONSUMER_MAX_ATTEMPTS: 5,
    CONSUMER_RETRY_INITIAL_DELAY: 200,
    CONSUMER_RETRY_MAX_DELAY: 10_000,
    CONSUMER_SHUTDOWN_TIMEOUT: 30_000,
  });
});

await test('Kafka consumer fragment: composes with the base and a worker’s own variables, keeping the cross checks', () => {
  const workerSchema = withKafkaConsumer(baseSchema({ processName: 'embedding' }))
    .extend({ EMBEDDING_MODEL: variable({ description: 'Model.', schema: text(), default: 'bge-small' }) });
  const config = loadConfig(workerSchema, { KAFKA_SESSION_TIMEOUT: '10s' });
  const model: string = config.EMBEDDING_MODEL;
  assert.equal(model, 'bge-small');
  assert.equal(config.KAFKA_SESSION_TIMEOUT, 10_000);
  assert.throws(() => loadConfig(workerSchema, { KAFKA_SESSION_TIMEOUT: '2s', CONSUMER_RETRY_INITIAL_DELAY: '1m' }), (error: Error) =>
    /KAFKA_HEARTBEAT_INTERVAL: expected less than KAFKA_SESSION_TIMEOUT \(2000ms\).*; found not set \(default 3s\)/.test(error.message)
    && /CONSUMER_RETRY_INITIAL_DELAY: expected at most CONSUMER_RETRY_MAX_DELAY \(10000ms\)/.test(error.message));
});

await test('Kafka consumer fragment: spreads into defineConfig too', () => {
  const schema = defineConfig({ ...baseVariables({ processName: 'p' }), EXTRA: variable({ description: 'Extra.', schema: text(), optional: true }) });
  assert.equal(loadConfig(schema, {}).EXTRA, undefined);
});
