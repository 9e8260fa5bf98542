import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { runCommand, serially } from './commands.js';
import { InfraError } from './infra-error.js';
import type { InfraComponent, ResolvedOptions } from './options.js';

export const isRoot = (): boolean => process.getuid?.() === 0;

const policyFile = '/usr/sbin/policy-rc.d';

export const aptGet = (options: ResolvedOptions, component: InfraComponent, args: readonly string[], cwd?: string): Promise<string> =>
  runCommand(options, {
    component,
    // Through env(1): the rest of the environment (PATH, proxies) passes unchanged; no prompts.
    command: 'env',
    // Waits for another apt-get (another process's `infra up`) instead of failing on the dpkg lock.
    args: ['DEBIAN_FRONTEND=noninteractive', 'apt-get', '-o', 'DPkg::Lock::Timeout=600', ...args],
    cwd,
    timeoutMs: 20 * 60_000,
  });

/**
 * Installs Debian packages. A package's maintainer script would otherwise start Debian's
 * own service (redis-server on 6379, the 15/main cluster on 5432) and take our port, so a
 * policy-rc.d that forbids service starts is in place during the install.
 */
export const installAptPackages = (options: ResolvedOptions, component: InfraComponent, packages: readonly string[]): Promise<void> =>
  serially('apt', async () => {
    if (!isRoot()) {
      throw new InfraError({
        component,
        code: 'needs_root',
        logFile: options.logFile(component),
        message: `${component}: ${packages.join(' ')} is not installed; install it with \`sudo apt-get install ${packages.join(' ')}\` or run infra up as root`,
      });
    }
    const addedPolicy = !existsSync(policyFile);
    if (addedPolicy) await writeFile(policyFile, '#!/bin/sh\n# rivulet infra: no service starts during package installs\nexit 101\n', { mode: 0o755 });
    try {
      const install = ['install', '-y', '--no-install-recommends', ...packages];
      try {
        await aptGet(options, component, install);
      } catch (error) {
        // A fresh machine has no package lists yet.
        options.progress(component, 'apt-get install failed; updating the package lists and trying again');
        await aptGet(options, component, ['update']).catch(() => undefined);
        await aptGet(options, component, install).catch((retryError: unknown) => {
          throw new InfraError({
            component,
            code: 'install_failed',
            logFile: options.logFile(component),
            message: (retryError as Error).message,
            cause: error,
          });
        });
      }
    } finally {
      if (addedPolicy) await rm(policyFile, { force: true });
    }
  });
