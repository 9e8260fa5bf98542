import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { ALL_TENANTS_SESSION } from './tenant-scope.js';

/** All of Rivulet's migrations, in one folder, applied in file-name order. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export interface MigrateOptions {
  databaseUrl: string;
  /** Schema the tables live in (default public); created when missing. */
  schema?: string;
  log?: (message: string) => void;
}

/**
 * Applies every pending migration, forward only (there are no down migrations: a
 * change is undone by a new migration). Several processes may start at once: each
 * waits on a PostgreSQL advisory lock (node-pg-migrate's own lock fails instead of
 * waiting), then finds nothing left to apply. Migrations run with every tenant's rows visible.
 */
export const migrate = async ({ databaseUrl, schema = 'public', log = () => undefined }: MigrateOptions): Promise<string[]> => {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'rivulet-migrate' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`rivulet-migrations:${schema}`]);
    // A data migration sees every tenant's rows (row-level security, 0008); this connection is its own.
    await client.query(ALL_TENANTS_SESSION);
    return await applyPending(client, schema, log);
  } finally {
    await client.end();
  }
};

const applyPending = async (client: pg.Client, schema: string, log: (message: string) => void): Promise<string[]> => {
  const applied = await runner({
    dbClient: client,
    noLock: true,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'rivulet_migrations',
    // pgvector's types live in public; our tables in `schema`.
    schema: schema === 'public' ? schema : [schema, 'public'],
    migrationsSchema: schema,
    createSchema: true,
    createMigrationsSchema: true,
    checkOrder: true,
    singleTransaction: true,
    log,
  });
  return applied.map((migration) => migration.name);
};
