// Row-level security (migrations/0008_row_level_security.sql, docs/decisions/0011-tenant-isolation.md):
// the tenant tables show a transaction only the rows of the tenant it names, and none when it
// names none. The functions below are the only ways to name one.
import { transaction, transactionOn, type Pool, type PoolClient } from './pool.js';

/** The setting the tenant policies compare `tenant_id` with. */
const TENANT_SETTING = 'rivulet.tenant_id';
/** The setting that opens every tenant's rows (the all_tenants policies). */
const ALL_TENANTS_SETTING = 'rivulet.all_tenants';

const required = (name: string, value: string): string => {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return value;
};

/** The class (first key) of withTenant's `serializeOn` locks: two-key advisory locks, a key space apart from single-key ones such as the cleanup's. */
const SERIALIZE_LOCK_CLASS = 0x5256;

export interface TenantTransactionOptions {
  /**
   * Transactions given the same key run one after another: the second waits in its first round
   * trip (a transaction-scoped advisory lock taken with BEGIN) until the first has committed, so
   * its statements see what the first wrote. For writes that read each other's rows in one
   * statement (the question and the answer of one request), where a row lock would come too late.
   */
  serializeOn?: string;
}

/**
 * Runs `work` in one transaction in which the tenant tables (documents, chunks, pending_chunks,
 * conversations, messages) hold only `tenantId`'s rows, and refuse to store another tenant's.
 * Queries keep their own `tenant_id = $1` as well (indexes, and a second line of defence).
 * Costs no extra round trip: the tenant (and the `serializeOn` lock) is set in the same message as BEGIN.
 */
export const withTenant = async <T>(pool: Pool, tenantId: string, work: (client: PoolClient) => Promise<T>, options: TenantTransactionOptions = {}): Promise<T> => {
  required('tenantId', tenantId);
  // Literals, not parameters, so that they travel with BEGIN; escapeLiteral quotes any string.
  return transaction(pool, (client) => `BEGIN; SELECT set_config('${TENANT_SETTING}', ${client.escapeLiteral(tenantId)}, true)${
    options.serializeOn === undefined ? '' : `; SELECT pg_advisory_xact_lock(${SERIALIZE_LOCK_CLASS}, hashtext(${client.escapeLiteral(options.serializeOn)}))`}`, work);
};

/**
 * Runs `work` in one transaction that sees and may write every tenant's rows: for maintenance
 * that spans tenants by design (cleanup, sweeps, operators' tools), never for serving a request.
 * `reason` says why (greppable in the code, and readable in the transaction as
 * current_setting('rivulet.all_tenants_reason')).
 */
export const withAllTenants = async <T>(pool: Pool, reason: string, work: (client: PoolClient) => Promise<T>): Promise<T> => {
  required('reason', reason);
  return transaction(pool, (client) => allTenantsBegin(client, reason), work);
};

/** withAllTenants on a connection the caller holds and releases (one holding an advisory lock, say). */
export const withAllTenantsOn = async <T>(client: PoolClient, reason: string, work: (client: PoolClient) => Promise<T>): Promise<T> => {
  required('reason', reason);
  return transactionOn(client, allTenantsBegin(client, reason), work);
};

const allTenantsBegin = (client: PoolClient, reason: string): string =>
  `BEGIN; SELECT set_config('${ALL_TENANTS_SETTING}', 'on', true), set_config('rivulet.all_tenants_reason', ${client.escapeLiteral(reason)}, true)`;

/** What a session sets (`SET rivulet.all_tenants = on`) to see every tenant outside withAllTenants, e.g. the migration runner. */
export const ALL_TENANTS_SESSION = `SET ${ALL_TENANTS_SETTING} = on`;
