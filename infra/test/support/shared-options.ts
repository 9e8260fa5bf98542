import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InfraOptions } from '../../src/index.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The shared services every integration test uses: the default ports and RIVULET_HOME
 * (default <repo>/.rivulet), as `rivulet infra up` starts them.
 */
export const sharedInfraOptions = (overrides: Partial<InfraOptions> = {}): InfraOptions => ({
  home: process.env.RIVULET_HOME || join(repositoryRoot, '.rivulet'),
  ...overrides,
});
