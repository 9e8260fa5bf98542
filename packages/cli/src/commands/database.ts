// What the commands that talk to PostgreSQL directly (keys, budgets) share.
import { InvalidArgumentError } from 'commander';
import { createPool, type Pool } from '@rivulet/store';
import type { CliConfig } from '../context.js';

/** Commander's parser of a count flag: a positive whole number, or a usage error naming the flag. */
export const positiveCount = (value: string): number => {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a positive whole number.');
  return parsed;
};

/** Runs `work` on a one-connection pool; a database not yet migrated gets a message naming `tables` and the fix. */
export const withPool = async <T>(config: CliConfig, tables: string, work: (pool: Pool) => Promise<T>): Promise<T> => {
  const pool = createPool({ databaseUrl: config.DATABASE_URL, max: 1, applicationName: 'rivulet-cli' });
  try {
    return await work(pool);
  } catch (error) {
    // 42P01 undefined_table: the database has not been migrated yet.
    if ((error as { code?: string }).code === '42P01') throw new Error(`the ${tables} tables are missing; run \`rivulet infra up\` (it applies the migrations).`, { cause: error });
    throw error;
  } finally {
    await pool.end();
  }
};
