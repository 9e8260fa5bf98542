import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InfraOptions } from '../../src/index.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

const portFromEnvironment = (name: string): number | undefined => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : Number(value);
};

/**
 * The shared services every integration test uses: <repo>/.rivulet with the default ports.
 * RIVULET_HOME and RIVULET_{KAFKA,REGISTRY,POSTGRES,REDIS}_PORT point the tests elsewhere
 * (for a machine where a default port is taken by something else).
 */
export const sharedInfraOptions = (overrides: Partial<InfraOptions> = {}): InfraOptions => ({
  home: process.env.RIVULET_HOME || join(repositoryRoot, '.rivulet'),
  kafkaPort: portFromEnvironment('RIVULET_KAFKA_PORT'),
  registryPort: portFromEnvironment('RIVULET_REGISTRY_PORT'),
  postgresPort: portFromEnvironment('RIVULET_POSTGRES_PORT'),
  redisPort: portFromEnvironment('RIVULET_REDIS_PORT'),
  ...overrides,
});
