// `rivulet keys create/revoke/list`: tenants and API keys in PostgreSQL (PROTOCOL.md §4). Revoking
// also broadcasts the key id over Redis, so every running ingress refuses the key at once.
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { createApiKey, listApiKeys, revokeApiKeyEverywhere } from '@rivulet/store';
import type { CliConfig } from '../context.js';
import { say, table, warn } from '../output.js';
import type { CommandAction } from './ask.js';
import { positiveCount, withPool } from './database.js';

export interface CreateKeyOptions {
  tenant: string;
  ratePerMinute?: number;
  dailyTokenBudget?: number;
}

export interface ListKeysOptions {
  tenant?: string;
}

/** `rivulet keys create`: prints a summary, then the key alone on the last line (for scripts). */
export const createKey = async (config: CliConfig, options: CreateKeyOptions): Promise<number> => {
  const { ratePerMinute, dailyTokenBudget } = options;
  const tenantId = options.tenant.trim();
  if (tenantId === '' || tenantId.length > 128) {
    warn('--tenant expects a name of 1 to 128 characters.');
    return 2;
  }
  const created = await withPool(config, 'API key', (pool) => createApiKey(pool, { tenantId, ratePerMinute, dailyTokenBudget }));
  const limits = [
    ratePerMinute === undefined ? undefined : `${ratePerMinute} requests/minute`,
    dailyTokenBudget === undefined ? undefined : `${dailyTokenBudget} tokens/day`,
  ].filter((limit) => limit !== undefined);
  say(`Created API key ${created.id} (${created.prefix}…) for tenant ${created.tenantId}${limits.length > 0 ? `, ${limits.join(', ')}` : ''}.`);
  say(`Keep the key now: it is not stored and cannot be shown again. Revoke it with: rivulet keys revoke ${created.id}`);
  say(created.key);
  return 0;
};

/** `rivulet keys revoke <key-id>`: revokes in PostgreSQL, then tells every ingress over Redis. */
export const revokeKey = async (config: CliConfig, id: string): Promise<number> => {
  // Connected first: when Redis is down nothing is revoked, rather than a key revoked on some
  // ingresses only after their cache expires.
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    const revoked = await withPool(config, 'API key', (pool) => revokeApiKeyEverywhere(pool, redis, { id, prefix: config.KAFKA_TOPIC_PREFIX }));
    if (!revoked) {
      warn(`No API key has the id "${id}"; nothing was revoked (\`rivulet keys list\` shows the ids).`);
      return 1;
    }
    say(`Revoked API key ${id}; every ingress refuses it from now on.`);
    return 0;
  } finally {
    redis.disconnect();
  }
};

/** `rivulet keys list [--tenant T]`: ids and prefixes, never keys. */
export const listKeys = async (config: CliConfig, options: ListKeysOptions): Promise<number> => {
  const keys = await withPool(config, 'API key', (pool) => listApiKeys(pool, options.tenant));
  if (keys.length === 0) {
    say(options.tenant === undefined ? 'No API keys yet (create one: rivulet keys create --tenant <name>).' : `Tenant ${options.tenant} has no API keys.`);
    return 0;
  }
  say(table([
    ['ID', 'PREFIX', 'TENANT', 'CREATED', 'REVOKED'],
    ...keys.map((key) => [key.id, key.prefix, key.tenantId, key.createdAt, key.revokedAt ?? '-']),
  ]));
  return 0;
};

export const registerKeysCommand = (program: Command, action: CommandAction): Command => {
  const keys = program.command('keys').description('Tenants and their API keys (PostgreSQL: DATABASE_URL; revocations broadcast on REDIS_URL).');
  keys
    .command('create')
    .description('Create an API key (and its tenant if needed); the key alone is the last line of standard output.')
    .requiredOption('--tenant <name>', 'tenant the key belongs to (created when new)')
    .option('--rate-per-minute <n>', 'requests per minute allowed to this key', positiveCount)
    .option('--daily-token-budget <n>', 'tokens per day allowed to this key', positiveCount)
    .action(action((config, options: CreateKeyOptions) => createKey(config, options)));
  keys
    .command('revoke')
    .description('Revoke an API key at once on every ingress; exits 1 for an unknown id.')
    .argument('<key-id>', 'the key\'s id (key_…), as printed by `keys create` and `keys list`')
    .action(action((config, id: string) => revokeKey(config, id)));
  keys
    .command('list')
    .description('List API keys: id, prefix, tenant, creation and revocation times.')
    .option('--tenant <name>', 'only this tenant\'s keys')
    .action(action((config, options: ListKeysOptions) => listKeys(config, options)));
  return keys;
};
