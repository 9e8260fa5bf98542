import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aptGet, installAptPackages, isRoot } from './apt.js';
import { runCommand, serially } from './commands.js';
import { InfraError } from './infra-error.js';
import type { ResolvedOptions } from './options.js';

export const postgresBinaries = '/usr/lib/postgresql/15/bin';
const vectorControl = '/usr/share/postgresql/15/extension/vector.control';
const trixieSources = '/etc/apt/sources.list.d/rivulet-trixie-src.sources';
const noMainCluster = '/etc/postgresql-common/createcluster.d/rivulet.conf';

/**
 * PostgreSQL 15 from Debian. Debian's package would create and start its own 15/main
 * cluster on 5432; we run our own cluster, so that one is not created.
 */
const installPostgres = async (options: ResolvedOptions): Promise<void> => {
  if (existsSync(join(postgresBinaries, 'postgres'))) return;
  if (isRoot()) {
    await mkdir('/etc/postgresql-common/createcluster.d', { recursive: true });
    await writeFile(noMainCluster, '# rivulet infra runs its own cluster\ncreate_main_cluster = false\n');
  }
  await installAptPackages(options, 'postgres', ['postgresql-15', 'postgresql-client-15']);
};

/**
 * pgvector is not packaged for bookworm: build trixie's source package against PostgreSQL 15
 * (about ten seconds). Skipped when the extension is installed.
 */
const installPgvector = async (options: ResolvedOptions): Promise<void> => {
  if (existsSync(vectorControl)) return;
  if (!isRoot()) {
    throw new InfraError({
      component: 'postgres',
      code: 'needs_root',
      logFile: options.logFile('postgres'),
      message: 'postgres: the pgvector extension is missing and building it needs root (run `rivulet infra up` as root once)',
    });
  }
  options.progress('postgres', 'pgvector is not installed: building it from the Debian trixie source package');
  await serially('apt', async () => {
    if (!existsSync(trixieSources)) {
      await writeFile(
        trixieSources,
        [
          '# Added by rivulet infra: source packages only, to build pgvector for PostgreSQL 15.',
          'Types: deb-src',
          'URIs: http://deb.debian.org/debian',
          'Suites: trixie',
          'Components: main',
          'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
          '',
        ].join('\n'),
      );
    }
    await aptGet(options, 'postgres', ['update']);
  });
  await installAptPackages(options, 'postgres', ['postgresql-server-dev-15', 'dpkg-dev', 'make', 'gcc']);
  // A fresh folder: dpkg-source refuses to unpack over an earlier attempt.
  const buildRoot = join(options.buildDirectory, 'pgvector');
  await rm(buildRoot, { recursive: true, force: true });
  await mkdir(buildRoot, { recursive: true });
  await aptGet(options, 'postgres', ['source', 'pgvector'], buildRoot);
  const sourceDirectory = await findSourceDirectory(buildRoot);
  const pgConfig = `PG_CONFIG=${join(postgresBinaries, 'pg_config')}`;
  await runCommand(options, { component: 'postgres', command: 'make', args: [pgConfig], cwd: sourceDirectory, timeoutMs: 10 * 60_000 });
  await runCommand(options, { component: 'postgres', command: 'make', args: [pgConfig, 'install'], cwd: sourceDirectory, timeoutMs: 5 * 60_000 });
};

const findSourceDirectory = async (buildRoot: string): Promise<string> => {
  for (const name of (await readdir(buildRoot)).sort().reverse()) {
    const path = join(buildRoot, name);
    if (name.startsWith('pgvector-') && (await stat(path)).isDirectory()) return path;
  }
  throw new InfraError({
    component: 'postgres',
    code: 'install_failed',
    message: `postgres: apt-get source pgvector left no pgvector-* folder in ${buildRoot}`,
  });
};

export const installPostgresWithPgvector = async (options: ResolvedOptions): Promise<void> => {
  await installPostgres(options);
  await installPgvector(options);
};
