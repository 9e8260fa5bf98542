// `@rivulet/store/testing`: a PostgreSQL schema of a test file's own, for the integration tests of
// every workspace that reads or writes the store. Not part of the main entry point.
import { randomBytes } from 'node:crypto';
import { migrate } from './migrate.js';
import { createPool, type Pool } from './pool.js';

export interface TestSchemaOptions {
  /** Defaults to DATABASE_URL, else the `rivulet infra up` PostgreSQL (a test helper may read the environment; the store itself never does). */
  databaseUrl?: string;
  /** The schema's name starts with it (`<prefix>_<8 hex>`), so a leftover one names its test. */
  prefix: string;
  /** Connections of the pool on the schema. */
  max?: number;
}

export interface TestSchema {
  databaseUrl: string;
  schema: string;
  /** A pool whose search_path is the schema (created at once, connecting lazily). */
  pool: Pool;
  /** Runs the migrations into the schema: pass it to `before`. */
  setUp: () => Promise<void>;
  /** Drops the schema and ends the pool: pass it to `after`. */
  tearDown: () => Promise<void>;
}

export const testSchema = ({ databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet', prefix, max = 4 }: TestSchemaOptions): TestSchema => {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const pool = createPool({ databaseUrl, schema, max });
  return {
    databaseUrl,
    schema,
    pool,
    setUp: async () => void (await migrate({ databaseUrl, schema })),
    tearDown: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
};
