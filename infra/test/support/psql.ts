import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs SQL through the psql client as the role in `databaseUrl`; returns unaligned, tuples-only output. */
export const psql = async (databaseUrl: string, sql: string): Promise<string> => {
  const { stdout } = await run('/usr/lib/postgresql/15/bin/psql', [databaseUrl, '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 30_000 });
  return stdout.trim();
};
