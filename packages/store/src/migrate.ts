import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

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
 * change is undone by a new migration). A PostgreSQL advisory lock makes concurrent
 * starts of several processes safe.
 */
export const migrate = async ({ databaseUrl, schema = 'public', log = () => undefined }: MigrateOptions): Promise<string[]> => {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'rivulet_migrations',
    schema,
    createSchema: true,
    checkOrder: true,
    singleTransaction: true,
    log,
  });
  return applied.map((migration) => migration.name);
};
