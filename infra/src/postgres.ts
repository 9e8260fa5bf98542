import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRoot } from './apt.js';
import { runCommand } from './commands.js';
import { readTextIfExists } from './log-files.js';
import type { ResolvedOptions } from './options.js';
import { installPostgresWithPgvector, postgresBinaries } from './postgres-install.js';
import { probePostgres } from './probes.js';
import type { ServiceDefinition } from './service.js';

const setupSql = new URL('../postgres/setup.sql', import.meta.url);

const systemUser = (name: string): { uid: number; gid: number } => {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`no system user ${name} (is postgresql-15 installed?)`);
  return { uid: Number(uid), gid: Number(gid) };
};

/**
 * Where the cluster lives. PostgreSQL refuses to run as root, so as root it runs as the
 * `postgres` user, which may not be able to enter <home> (a checkout under a 0700 folder):
 * its data then lives under /var/lib/postgresql/rivulet/<hash of home>, recorded in
 * <home>/postgres/data-directory. Any other user runs it as itself inside <home>.
 */
const clusterLayout = (options: ResolvedOptions) => {
  const asRoot = isRoot();
  const homeHash = createHash('sha256').update(options.home).digest('hex').slice(0, 12);
  const root = asRoot ? join('/var/lib/postgresql/rivulet', homeHash) : join(options.home, 'postgres');
  return {
    asRoot,
    root,
    dataDirectory: join(root, 'data'),
    socketDirectory: join(root, 'socket'),
    record: join(options.home, 'postgres', 'data-directory'),
  };
};

export const createPostgresService = (options: ResolvedOptions): ServiceDefinition => {
  const layout = clusterLayout(options);
  const user = () => (layout.asRoot ? systemUser('postgres') : undefined);
  const binary = (name: string) => join(postgresBinaries, name);

  const prepare = async (): Promise<void> => {
    const recorded = (await readTextIfExists(layout.record))?.trim();
    const initialised = existsSync(join(layout.dataDirectory, 'PG_VERSION'));
    if (initialised && recorded !== layout.dataDirectory) {
      // <home> was deleted to reset everything: its cluster outside <home> goes too.
      options.progress('postgres', `removing the cluster of an earlier, deleted ${options.home}: ${layout.root}`);
      await rm(layout.root, { recursive: true, force: true });
    }
    await mkdir(join(options.home, 'postgres'), { recursive: true });
    await writeFile(layout.record, `${layout.dataDirectory}\n`);
    if (existsSync(join(layout.dataDirectory, 'PG_VERSION'))) return;
    await rm(layout.dataDirectory, { recursive: true, force: true }); // a half-finished initdb
    // Parents stay enterable (a recursive mkdir would give every new folder the socket folder's 0700).
    await mkdir(layout.root, { recursive: true, mode: 0o755 });
    await mkdir(layout.socketDirectory, { recursive: true, mode: 0o700 });
    const owner = user();
    if (owner !== undefined) {
      for (const path of [layout.root, layout.socketDirectory]) await chown(path, owner.uid, owner.gid);
    }
    await runCommand(options, {
      component: 'postgres',
      command: binary('initdb'),
      // Unix-socket connections (only the cluster's owner and root can reach the 0700 socket) are
      // trusted, for setup; TCP connections need a password, and the superuser has none.
      args: ['-D', layout.dataDirectory, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions'],
      cwd: layout.root,
      user: owner,
      timeoutMs: 120_000,
    });
  };

  return {
    component: 'postgres',
    address: `postgres://rivulet:rivulet@127.0.0.1:${options.postgresPort}/rivulet`,
    summary: `PostgreSQL 15 + pgvector, data in ${layout.dataDirectory}`,
    ports: [options.postgresPort],
    commandLineMarker: `-D ${layout.dataDirectory}`,
    portConflictHint: (commandLine) => {
      if (commandLine.includes('/etc/postgresql/')) {
        return "It is Debian's own cluster: stop it with `pg_ctlcluster 15 main stop` (and write `manual` into /etc/postgresql/15/main/start.conf so it stays stopped), or give postgres another port.";
      }
      if (commandLine.includes(layout.dataDirectory)) {
        return `It is this home's own cluster, left running when ${options.home}/run was deleted: stop it with \`kill -INT <pid>\` and run infra up again.`;
      }
      return undefined;
    },
    readyTimeoutMs: 60_000,
    stopSignal: 'SIGINT', // fast shutdown: SIGTERM would wait for every client to disconnect
    stopTimeoutMs: 30_000,
    install: () => installPostgresWithPgvector(options),
    prepare,
    launch: () => ({
      command: binary('postgres'),
      // Settings on the command line rather than in postgresql.conf: a changed port needs no edit.
      // fsync stays on: data survives a machine crash, not only a process crash.
      args: [
        '-D', layout.dataDirectory,
        '-c', 'listen_addresses=127.0.0.1',
        '-c', `port=${options.postgresPort}`,
        '-c', `unix_socket_directories=${layout.socketDirectory}`,
        '-c', 'unix_socket_permissions=0700',
        '-c', 'max_connections=200',
      ],
      cwd: layout.root,
      user: user(),
    }),
    probe: () => probePostgres(binary('pg_isready'), options.postgresPort),
    afterReady: async () => {
      await runCommand(options, {
        component: 'postgres',
        command: binary('psql'),
        args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', layout.socketDirectory, '-p', String(options.postgresPort), '-U', 'postgres', '-d', 'postgres', '-f', '-'],
        input: await readFile(setupSql, 'utf8'),
        timeoutMs: 60_000,
        announce: false,
      });
    },
  };
};
