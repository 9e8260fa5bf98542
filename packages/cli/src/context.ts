import { baseSchema, loadConfig } from '@rivulet/config';
import { createKafkaClient, EventCodec, silentLogger, type Kafka } from '@rivulet/kafka';
import { EVENT_TYPES } from '@rivulet/schemas';

/** Configuration of a CLI invocation: the shared base variables, read once. */
export const loadCliConfig = () => loadConfig(baseSchema({ processName: 'cli' }));

export type CliConfig = ReturnType<typeof loadCliConfig>;

export const cliKafka = (config: CliConfig): Kafka =>
  createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger: silentLogger });

export const cliCodec = (config: CliConfig) => new EventCodec({ registryUrl: config.SCHEMA_REGISTRY_URL, catalog: EVENT_TYPES });
