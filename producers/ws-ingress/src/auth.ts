// Who is calling: an API key resolves to a tenant. The lookup is a port so the key store can move
// to the database (the gateway issue) without touching the HTTP or WebSocket code.
import { createHash } from 'node:crypto';
import { IngressError } from './errors.js';

/** Who sent a request: the key's id (safe to log and to put on events) and its tenant. */
export interface ApiKeyPrincipal {
  keyId: string;
  tenantId: string;
  /** The key's own requests-per-minute limit; null or absent means RATE_LIMIT_PER_MINUTE. */
  ratePerMinute?: number | null;
}

/** Resolves a presented API key. Undefined for an unknown or revoked key; rejects only when the store fails. */
export interface ApiKeyStore {
  lookup(key: string): Promise<ApiKeyPrincipal | undefined>;
}

const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/**
 * A fixed list of keys (RIVULET_API_KEYS). Keys are held and compared as SHA-256 digests, so a
 * lookup's timing says nothing about how much of a key matched; the key id is a digest prefix.
 */
export const staticApiKeyStore = (keys: readonly { tenantId: string; key: string }[]): ApiKeyStore => {
  const byDigest = new Map<string, ApiKeyPrincipal>();
  for (const { tenantId, key } of keys) {
    const digest = sha256(key);
    byDigest.set(digest, { keyId: `static-${digest.slice(0, 12)}`, tenantId });
  }
  return { lookup: (key) => Promise.resolve(byDigest.get(sha256(key))) };
};

/**
 * Asks each store in turn and answers with the first principal found: the static keys first (the
 * development key keeps working without a database row), then the database.
 */
export const chainApiKeyStores = (...stores: readonly ApiKeyStore[]): ApiKeyStore => ({
  lookup: async (key) => {
    for (const store of stores) {
      const principal = await store.lookup(key);
      if (principal) return principal;
    }
    return undefined;
  },
});

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export const bearerToken = (header: string | undefined): string | undefined => /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1];

/** The principal behind an Authorization header; throws `unauthorized` (401) otherwise. */
export const authenticate = async (store: ApiKeyStore, header: string | undefined): Promise<ApiKeyPrincipal> => {
  const token = bearerToken(header);
  if (token === undefined) {
    throw new IngressError('unauthorized', 'Send your API key as "Authorization: Bearer <api-key>".');
  }
  let principal: ApiKeyPrincipal | undefined;
  try {
    principal = await store.lookup(token);
  } catch (error) {
    throw new IngressError('internal', 'API keys cannot be checked right now; try again shortly.', { retriable: true, httpStatus: 503, cause: error });
  }
  if (!principal) throw new IngressError('unauthorized', 'Unknown or revoked API key.');
  return principal;
};
