// Retention of conversations: every tenant's conversations (and their messages) idle for longer
// than the retention go. One function serves `rivulet cleanup` and the persistence worker's
// schedule, so both delete the same way and never at the same time: a round holds a PostgreSQL
// advisory lock for its whole length, and a second round (another worker instance, or the CLI)
// finds it taken and skips, or waits for it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from './pool.js';
import { withAllTenants, withAllTenantsOn } from './tenant-scope.js';

/**
 * The advisory lock's name. The key is `hashtext('<name>:' || current_schema())`: one lock per
 * schema, so rounds on other schemas (tests) do not wait for each other. Visible in pg_locks
 * (locktype advisory) while a round runs.
 */
export const CONVERSATION_CLEANUP_LOCK = 'rivulet-conversation-cleanup';

export interface ExpiredConversationsOptions {
  /** Conversations whose last activity (updated_at) is before this go, with their messages. */
  olderThan: Date;
  /** Conversations per transaction (default 500): keeps locks and WAL bursts short. */
  batchSize?: number;
  /** Count what would go; delete nothing (takes no lock). */
  dryRun?: boolean;
  /**
   * How long to wait when another round holds the lock (default 0: skip at once). A scheduled
   * round skips, since another instance is doing the same work; an operator's command waits.
   */
  lockWaitMs?: number;
  /** Stops the round between two batches (shutdown): the result then says `interrupted`. */
  signal?: AbortSignal;
}

export interface ExpiredConversationsResult {
  /**
   * `done`: every expired conversation is gone (or counted, for a dry run). `skipped`: another round
   * held the lock; nothing was deleted here. `interrupted`: the signal stopped it between batches;
   * the counts are what was deleted until then.
   */
  outcome: 'done' | 'skipped' | 'interrupted';
  conversations: number;
  messages: number;
  /** Transactions run (0 for a dry run). */
  batches: number;
}

const EXPIRED_BATCH = `
  WITH expired AS (
    SELECT tenant_id, id FROM conversations WHERE updated_at < $1 ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED
  ), deleted_messages AS (
    DELETE FROM messages m USING expired e WHERE m.tenant_id = e.tenant_id AND m.conversation_id = e.id RETURNING 1
  ), deleted AS (
    DELETE FROM conversations c USING expired e WHERE c.tenant_id = e.tenant_id AND c.id = e.id RETURNING 1
  )
  SELECT (SELECT count(*) FROM deleted)::int AS conversations, (SELECT count(*) FROM deleted_messages)::int AS messages`;

const EXPIRED_COUNT = `
  SELECT count(*)::int AS conversations,
         (SELECT count(*) FROM messages m JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id
           WHERE c.updated_at < $1)::int AS messages
    FROM conversations WHERE updated_at < $1`;

const TRY_LOCK = `SELECT pg_try_advisory_lock(hashtext($1 || ':' || current_schema())) AS locked`;
const UNLOCK = `SELECT pg_advisory_unlock(hashtext($1 || ':' || current_schema()))`;
const LOCK_POLL_MS = 250;

const EXPIRY_REASON = 'retention: delete conversations past their retention period';

const tryLock = async (client: PoolClient, waitMs: number, signal: AbortSignal | undefined): Promise<boolean> => {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if ((await client.query<{ locked: boolean }>(TRY_LOCK, [CONVERSATION_CLEANUP_LOCK])).rows[0]!.locked) return true;
    if (signal?.aborted || Date.now() >= deadline) return false;
    await sleep(Math.min(LOCK_POLL_MS, Math.max(1, deadline - Date.now())), undefined, signal ? { signal } : {}).catch(() => undefined);
  }
};

/** The batches, on the connection that holds the lock. */
const deleteBatches = async (client: PoolClient, olderThan: Date, batchSize: number, signal: AbortSignal | undefined): Promise<ExpiredConversationsResult> => {
  const total: ExpiredConversationsResult = { outcome: 'done', conversations: 0, messages: 0, batches: 0 };
  for (;;) {
    if (signal?.aborted) return { ...total, outcome: 'interrupted' };
    const batch = await withAllTenantsOn(client, EXPIRY_REASON, async (inner) =>
      (await inner.query<{ conversations: number; messages: number }>(EXPIRED_BATCH, [olderThan, batchSize])).rows[0]!);
    total.conversations += batch.conversations;
    total.messages += batch.messages;
    total.batches += 1;
    if (batch.conversations < batchSize) return total;
  }
};

/**
 * Deletes every tenant's conversations last updated before `olderThan`, and their messages, in
 * batches, under the cleanup lock (see CONVERSATION_CLEANUP_LOCK): two rounds never overlap.
 */
export const deleteExpiredConversations = async (pool: Pool, { olderThan, batchSize = 500, dryRun = false, lockWaitMs = 0, signal }: ExpiredConversationsOptions): Promise<ExpiredConversationsResult> => {
  if (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime())) throw new TypeError('olderThan must be a valid Date');
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) throw new TypeError('batchSize must be a positive whole number');
  if (!Number.isFinite(lockWaitMs) || lockWaitMs < 0) throw new TypeError('lockWaitMs must be zero or more milliseconds');
  if (dryRun) {
    const counts = await withAllTenants(pool, `${EXPIRY_REASON} (dry run)`, async (client) =>
      (await client.query<{ conversations: number; messages: number }>(EXPIRED_COUNT, [olderThan])).rows[0]!);
    return { outcome: 'done', ...counts, batches: 0 };
  }
  // A session lock on a connection of its own, held from the first batch to the last.
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    if (!(await tryLock(client, lockWaitMs, signal))) {
      return { outcome: signal?.aborted ? 'interrupted' : 'skipped', conversations: 0, messages: 0, batches: 0 };
    }
    try {
      return await deleteBatches(client, olderThan, batchSize, signal);
    } finally {
      // Unlocking fails only with the connection: then it is destroyed, which frees the lock too.
      await client.query(UNLOCK, [CONVERSATION_CLEANUP_LOCK]).catch((error: unknown) => {
        broken = error instanceof Error ? error : new Error(String(error));
      });
    }
  } catch (error) {
    broken ??= error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
};
