// The persistence worker's retention schedule: a cleanup round shortly after start, then one every
// interval, through the same deleteExpiredConversations as `rivulet cleanup`. Its lock lets only
// one instance run a round at a time; the others skip theirs. A failed round is logged and counted,
// and the next interval tries again: the process never stops for it.
import { startRounds, type Service } from '@rivulet/service';
import { deleteExpiredConversations, type ExpiredConversationsResult, type Pool } from '@rivulet/store';

/** The first round waits a random part of this (or of the interval, when shorter), so instances started together spread out. */
export const FIRST_ROUND_JITTER_MS = 30_000;

export interface CleanupScheduleOptions {
  pool: Pool;
  /** Conversations idle for longer than this (milliseconds) are deleted. */
  retentionMs: number;
  /** Time from the end of one round to the start of the next. */
  intervalMs: number;
  /** Delay of the first round; default a random time up to min(intervalMs, FIRST_ROUND_JITTER_MS). */
  firstRoundDelayMs?: number;
  /** Conversations per transaction (deleteExpiredConversations' default when unset). */
  batchSize?: number;
  logger: Pick<Service['logger'], 'info' | 'error' | 'debug'>;
  metrics: Pick<Service['metrics'], 'counter'>;
  now?: () => number;
}

/** What one round did: deleteExpiredConversations' result, or the error it failed with. */
export type CleanupRound = (ExpiredConversationsResult & { olderThan: Date }) | { outcome: 'failed'; error: Error };

export interface CleanupSchedule {
  /** Runs a round now, beside the timer's (the lock still allows one at a time); never rejects. */
  runRound(): Promise<CleanupRound>;
  /** Clears the timer, stops a running round after its current batch, and waits for it. */
  stop(): Promise<void>;
}

/** `outcome` label of rivulet_cleanup_runs_total. */
const OUTCOME_LABEL = { done: 'ok', skipped: 'skipped', interrupted: 'interrupted', failed: 'failed' } as const;

export const startCleanupSchedule = ({
  pool, retentionMs, intervalMs, batchSize, logger, metrics, now = Date.now,
  firstRoundDelayMs = Math.random() * Math.min(intervalMs, FIRST_ROUND_JITTER_MS),
}: CleanupScheduleOptions): CleanupSchedule => {
  if (!(retentionMs > 0)) throw new TypeError('retentionMs must be above zero (a retention of 0 means no schedule)');
  if (!(intervalMs > 0)) throw new TypeError('intervalMs must be above zero');
  const runs = metrics.counter({
    name: 'rivulet_cleanup_runs_total', labelNames: ['outcome'],
    help: 'Conversation cleanup rounds by outcome: ok, skipped (another instance held the lock), interrupted (shutdown), failed.',
  });
  const removed = metrics.counter({
    name: 'rivulet_cleanup_removed_total', labelNames: ['kind'],
    help: 'Rows deleted by cleanup rounds, by kind: conversations, messages.',
  });
  const round = async (signal: AbortSignal): Promise<CleanupRound> => {
    const olderThan = new Date(now() - retentionMs);
    const started = now();
    try {
      const result = await deleteExpiredConversations(pool, { olderThan, batchSize, signal });
      runs.inc({ outcome: OUTCOME_LABEL[result.outcome] });
      removed.inc({ kind: 'conversations' }, result.conversations);
      removed.inc({ kind: 'messages' }, result.messages);
      // `messageRows`, not `messages`: the logger redacts a `messages` field (chat text).
      const fields = { outcome: result.outcome, conversations: result.conversations, messageRows: result.messages, batches: result.batches, olderThan: olderThan.toISOString(), durationMs: now() - started };
      if (result.conversations > 0) logger.info(fields, 'cleanup round deleted expired conversations');
      else logger.debug(fields, result.outcome === 'skipped' ? 'cleanup round skipped: another instance is running one' : 'cleanup round: nothing expired');
      return { ...result, olderThan };
    } catch (error) {
      runs.inc({ outcome: 'failed' });
      logger.error({ error, retryInMs: intervalMs }, 'cleanup round failed; the next interval tries again');
      return { outcome: 'failed', error: error instanceof Error ? error : new Error(String(error)) };
    }
  };

  return startRounds({ round, intervalMs, firstDelayMs: firstRoundDelayMs });
};
