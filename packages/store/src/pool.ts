import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  databaseUrl: string;
  /** Upper bound on connections from this process. */
  max?: number;
  /** Every connection starts with this search_path (tests use a schema of their own). */
  schema?: string;
  applicationName?: string;
  statementTimeoutMs?: number;
  /** How long to wait for a new connection before failing (default 5000). */
  connectionTimeoutMs?: number;
}

/** The one way a process gets a PostgreSQL pool. */
export const createPool = ({ databaseUrl, max = 10, schema, applicationName = 'rivulet', statementTimeoutMs = 30_000, connectionTimeoutMs = 5_000 }: PoolOptions): Pool => {
  const options = [`-c statement_timeout=${statementTimeoutMs}`, ...(schema ? [`-c search_path=${schema},public`] : [])].join(' ');
  return new pg.Pool({
    connectionString: databaseUrl,
    max,
    application_name: applicationName,
    options,
    connectionTimeoutMillis: connectionTimeoutMs,
    idleTimeoutMillis: 30_000,
  });
};

/**
 * Runs `work` in one transaction; rolls back on any error. For the tenant tables use
 * withTenant or withAllTenants (tenant-scope.ts): here they show no rows.
 */
export const withTransaction = <T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> =>
  transaction(pool, () => 'BEGIN', work);

/**
 * The transaction behind withTransaction, withTenant and withAllTenants. `begin` returns the
 * simple-protocol text that opens it (BEGIN and any SET LOCALs, one round trip).
 */
export const transaction = async <T>(pool: Pool, begin: (client: PoolClient) => string, work: (client: PoolClient) => Promise<T>): Promise<T> => {
  const client = await pool.connect();
  try {
    return await transactionOn(client, begin(client), work);
  } finally {
    client.release();
  }
};

/** One transaction on a connection the caller holds (and releases), e.g. one holding a session lock. */
export const transactionOn = async <T>(client: PoolClient, begin: string, work: (client: PoolClient) => Promise<T>): Promise<T> => {
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
};
