-- Up Migration
-- Tenants and their API keys (the gateway issue, first step). Named queries:
-- packages/store/src/api-keys.ts. Written by `rivulet keys create/revoke`; read by every ingress
-- (databaseApiKeyStore), which caches lookups and drops a revoked key on the Redis broadcast.
-- Other tables carry tenant_id without a foreign key: the static RIVULET_API_KEYS tenants have
-- no row here.

-- `id` is the name given to `rivulet keys create --tenant <name>`.
CREATE TABLE tenants (
  id          text        PRIMARY KEY,
  name        text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The key itself is never stored: `key_hash` is the SHA-256 (hex) of the whole key, which is all
-- the ingress needs to find it; `prefix` (its first characters) lets a person tell keys apart.
-- NULL limits mean "no limit of its own" (enforcement is a later step of the gateway issue).
CREATE TABLE api_keys (
  id                  text        PRIMARY KEY,
  tenant_id           text        NOT NULL REFERENCES tenants (id),
  prefix              text        NOT NULL,
  key_hash            text        NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  created_at          timestamptz NOT NULL DEFAULT now(),
  revoked_at          timestamptz,
  rate_per_minute     integer     CHECK (rate_per_minute > 0),
  daily_token_budget  bigint      CHECK (daily_token_budget > 0)
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at, id);
