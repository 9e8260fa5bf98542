import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { installAptPackages } from './apt.js';
import type { InfraComponent, ResolvedOptions } from './options.js';

const onPath = (command: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((directory) => {
    try {
      accessSync(join(directory, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/**
 * Kafka and the registry run on Java 17 and are resolved with Maven. Machines of this
 * project's kind have both; anywhere else Debian's packages bring them.
 */
export const ensureJavaToolchain = async (options: ResolvedOptions, component: InfraComponent): Promise<void> => {
  const missing = [...(onPath('java') ? [] : ['openjdk-17-jre-headless']), ...(onPath('mvn') ? [] : ['maven'])];
  if (missing.length === 0) return;
  options.progress(component, `installing ${missing.join(' and ')} (Java 17 and Maven run Kafka and the schema registry)`);
  await installAptPackages(options, component, missing);
};
