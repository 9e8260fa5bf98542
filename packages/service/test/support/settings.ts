import { randomBytes } from 'node:crypto';
import type { ServiceSettings } from '../../src/index.js';

/** A service's settings on the real Kafka and registry (`rivulet infra up` defaults), with topics of its own. */
export const settings = (overrides: Partial<ServiceSettings> = {}): ServiceSettings => ({
  LOG_LEVEL: 'silent',
  KAFKA_BROKERS: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  KAFKA_CLIENT_ID: 'service-test',
  KAFKA_TOPIC_PREFIX: `service-${randomBytes(3).toString('hex')}.`,
  SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  OPS_HOST: '127.0.0.1',
  OPS_PORT: 0,
  ...overrides,
});
