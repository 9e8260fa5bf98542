export { ConfigError, type ConfigIssue } from './errors.js';
export { defineConfig, loadConfig, type ConfigSchema, type Environment, type VariableShape } from './load.js';
export {
  variable, setting, optionalSetting, describeVariable, type SettingExtras, type VariableDescription, type VariableOptions,
} from './variable.js';
export {
  booleanFlag, byteSize, commaList, decimal, duration, fromParser, hostPort, integer, oneOf, port, text, url,
  type StringSchema,
} from './value-schemas.js';
export {
  parseBoolean, parseByteSize, parseDuration, parseHostPort, parseInteger, parseList, parsePort, parseUrl,
  type IntegerBounds,
} from './parsers.js';
export { baseSchema, baseVariables, environments, logLevels, type BaseConfigOptions } from './base.js';
export { kafkaConsumerSchema, kafkaConsumerVariables, withKafkaConsumer } from './kafka-consumer.js';
export { renderConfigurationTable } from './docs.js';
export { databasePoolSize, sharedVariables, PIPELINE_MAX_DOCUMENT_BYTES } from './shared-variables.js';
