// Tenants and API keys (migrations/0005_api_keys.sql): the named queries `rivulet keys` and the
// ingress share. A key is shown once, at creation; only its SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto';
import { StoreError } from './store-error.js';
import { withTransaction, type Pool } from './pool.js';

/** Characters of a key kept for display (`rvt_` and the first four random ones). */
const PREFIX_LENGTH = 8;

/**
 * The Redis channel (after the deployment's KAFKA_TOPIC_PREFIX) on which a revoked key's id is
 * published; every ingress subscribes and forgets the key at once.
 */
export const API_KEY_REVOKED_CHANNEL = 'rivulet:keys:revoked';

/** The SHA-256 (hex) of a presented key: what `api_keys.key_hash` holds. */
export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export interface NewApiKey {
  /** The tenant the key belongs to; created when missing (its name is the id). At most 128 characters. */
  tenantId: string;
  /** Requests per minute allowed to this key; absent: no limit of its own. */
  ratePerMinute?: number | undefined;
  /** Tokens per day allowed to this key; absent: no budget of its own. */
  dailyTokenBudget?: number | undefined;
}

export interface CreatedApiKey {
  /** `key_` and 12 hex characters: safe to log, print and put on events. */
  id: string;
  /** The secret, `rvt_` and 32 URL-safe characters. Not stored: this is the only time it exists. */
  key: string;
  /** The key's first characters, for display. */
  prefix: string;
  tenantId: string;
}

/** What the ingress needs to admit a key. */
export interface StoredApiKey {
  id: string;
  tenantId: string;
  /** ISO-8601 time of revocation; null while the key is valid. */
  revokedAt: string | null;
  ratePerMinute: number | null;
  dailyTokenBudget: number | null;
}

export interface ApiKeySummary extends StoredApiKey {
  prefix: string;
  createdAt: string;
}

/** Something that can publish on a Redis channel (an ioredis client is one). */
export interface RevocationPublisher {
  publish(channel: string, message: string): Promise<unknown>;
}

const positiveInteger = (name: string, value: number | undefined): number | null => {
  if (value === undefined) return null;
  if (!Number.isSafeInteger(value) || value <= 0) throw new StoreError('invalid_argument', `${name} must be a positive whole number; got ${value}.`);
  return value;
};

/** Creates the tenant when needed, then a new key for it. */
export const createApiKey = async (pool: Pool, { tenantId, ratePerMinute, dailyTokenBudget }: NewApiKey): Promise<CreatedApiKey> => {
  if (tenantId.trim() === '' || tenantId.length > 128) throw new StoreError('invalid_argument', 'A tenant is a non-empty name of at most 128 characters.');
  const rate = positiveInteger('ratePerMinute', ratePerMinute);
  const budget = positiveInteger('dailyTokenBudget', dailyTokenBudget);
  const id = `key_${randomBytes(6).toString('hex')}`;
  const key = `rvt_${randomBytes(24).toString('base64url')}`;
  const prefix = key.slice(0, PREFIX_LENGTH);
  await withTransaction(pool, async (client) => {
    await client.query('INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING', [tenantId]);
    await client.query(
      'INSERT INTO api_keys (id, tenant_id, prefix, key_hash, rate_per_minute, daily_token_budget) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, tenantId, prefix, hashApiKey(key), rate, budget],
    );
  });
  return { id, key, prefix, tenantId };
};

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
  rate_per_minute: number | null;
  daily_token_budget: string | null;
}

const COLUMNS = 'id, tenant_id, prefix, created_at, revoked_at, rate_per_minute, daily_token_budget';

const toStored = (row: ApiKeyRow): StoredApiKey => ({
  id: row.id,
  tenantId: row.tenant_id,
  revokedAt: row.revoked_at?.toISOString() ?? null,
  ratePerMinute: row.rate_per_minute,
  dailyTokenBudget: row.daily_token_budget === null ? null : Number(row.daily_token_budget),
});

/** The key whose SHA-256 is `hash`, revoked or not; undefined when there is none. */
export const findApiKeyByHash = async (pool: Pool, hash: string): Promise<StoredApiKey | undefined> => {
  const { rows } = await pool.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [hash]);
  return rows[0] && toStored(rows[0]);
};

/**
 * Marks a key revoked (a second call keeps the first time). False when no key has this id.
 * This alone does not reach running ingresses before their cache expires: callers use
 * revokeApiKeyEverywhere.
 */
export const revokeApiKey = async (pool: Pool, id: string): Promise<boolean> => {
  const { rowCount } = await pool.query('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
};

/**
 * Revokes a key and broadcasts its id on `${prefix}rivulet:keys:revoked`, so every ingress
 * refuses it at once. False (and nothing published) when no key has this id.
 */
export const revokeApiKeyEverywhere = async (pool: Pool, publisher: RevocationPublisher, { id, prefix = '' }: { id: string; prefix?: string }): Promise<boolean> => {
  if (!(await revokeApiKey(pool, id))) return false;
  await publisher.publish(prefix + API_KEY_REVOKED_CHANNEL, id);
  return true;
};

/** Keys of one tenant, or of all, oldest first. */
export const listApiKeys = async (pool: Pool, tenantId?: string): Promise<ApiKeySummary[]> => {
  const { rows } = tenantId === undefined
    ? await pool.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`)
    : await pool.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
  return rows.map((row) => ({ ...toStored(row), prefix: row.prefix, createdAt: row.created_at.toISOString() }));
};
