// `rivulet cleanup --older-than <duration>`: deletes every tenant's conversations (and their
// messages) not updated for that long, by hand; the persistence worker runs the same round on a
// schedule (CONVERSATION_RETENTION, CLEANUP_INTERVAL). Both go through deleteExpiredConversations,
// whose lock keeps two rounds from overlapping. Conversations live in PostgreSQL only: the chat
// topics expire by time (docs/topics.md), so no tombstones.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '@rivulet/config';
import { deleteExpiredConversations } from '@rivulet/store';
import type { CliConfig } from '../context.js';
import { say, table, warn } from '../output.js';
import type { CommandAction } from './ask.js';
import { positiveCount, withPool } from './database.js';
import { usageErrorsExit2 } from './replay.js';

export interface CleanupOptions {
  /** Milliseconds (parsed from e.g. `30d`). */
  olderThan: number;
  batchSize?: number;
  dryRun?: boolean;
  json?: boolean;
}

/** Default retention of conversations. */
export const DEFAULT_RETENTION = '30d';

/** How long to wait for a round already running (a persistence worker's) before giving up. */
export const CLEANUP_LOCK_WAIT_MS = 60_000;

/** Commander's parser of a duration flag (`30d`, `12h`), in milliseconds. */
export const durationFlag = (value: string): number => {
  try {
    const parsed = parseDuration(value);
    if (parsed <= 0) throw new TypeError('expected a duration above zero');
    return parsed;
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
};

/**
 * `rivulet cleanup`: reports the rows deleted (or, with --dry-run, that would be). Exits 1 when
 * another round (a persistence worker's) held the lock for longer than CLEANUP_LOCK_WAIT_MS.
 */
export const cleanup = async (config: CliConfig, options: CleanupOptions): Promise<number> => {
  const olderThan = new Date(Date.now() - options.olderThan);
  const dryRun = options.dryRun === true;
  const result = await withPool(config, 'conversation', (pool) =>
    deleteExpiredConversations(pool, { olderThan, batchSize: options.batchSize, dryRun, lockWaitMs: CLEANUP_LOCK_WAIT_MS }));
  const skipped = result.outcome === 'skipped';
  if (skipped) warn(`Another cleanup round (a persistence worker's, or another \`rivulet cleanup\`) held the lock for ${CLEANUP_LOCK_WAIT_MS / 1000} s; nothing deleted. Run it again later.`);
  if (options.json === true) {
    say(JSON.stringify({ olderThan: olderThan.toISOString(), dryRun, rows: { conversations: result.conversations, messages: result.messages }, batches: result.batches, outcome: result.outcome }));
    return skipped ? 1 : 0;
  }
  if (skipped) return 1;
  say(`Conversations of every tenant last active before ${olderThan.toISOString()}${dryRun ? ' (dry run: nothing deleted)' : ''}:`);
  say(table([['TABLE', dryRun ? 'WOULD DELETE' : 'DELETED'], ['conversations', String(result.conversations)], ['messages', String(result.messages)]]));
  return 0;
};

export const registerCleanupCommand = (program: Command, action: CommandAction): Command =>
  usageErrorsExit2(program.command('cleanup'))
    .description('Delete every tenant\'s conversations (and their messages) not updated within a duration (default 30d).')
    .addOption(new Option('--older-than <duration>', 'retention, e.g. 30d, 12h').argParser(durationFlag).default(parseDuration(DEFAULT_RETENTION), DEFAULT_RETENTION))
    .option('--batch-size <n>', 'conversations per transaction', positiveCount, 500)
    .option('--dry-run', 'count what would be deleted; delete nothing')
    .option('--json', 'print one JSON object instead of a table')
    .action(action((config, options: CleanupOptions) => cleanup(config, options)));
