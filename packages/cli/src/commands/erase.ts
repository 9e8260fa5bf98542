// `rivulet erase --tenant T [--user U]`: removes a user's conversations, or everything a tenant
// stored, from PostgreSQL (one tenant-scoped transaction) and, for a whole tenant, its documents'
// keys from the compacted ingestion topics (tombstones). Tombstones go out before the rows are
// deleted, so a run that fails half-way finds the same documents when run again.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { sendTombstones, type Tombstone } from '@rivulet/kafka';
import { chunkKey, documentKey, TOPICS } from '@rivulet/schemas';
import { eraseTenant, type ErasedDocument, type EraseResult } from '@rivulet/store';
import type { CliConfig } from '../context.js';
import { say, table, warn } from '../output.js';
import type { CommandAction } from './ask.js';
import { withPool } from './database.js';
import { operatorKafka, usageErrorsExit2 } from './replay.js';

export interface EraseCommandOptions {
  tenant: string;
  user?: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** Why the Redis embedding cache is left alone: nothing in it belongs to a tenant. */
export const CACHE_NOTE = 'Redis embedding cache: nothing to erase (entries are keyed by model and content hash, shared by every tenant, hold no tenant id, and expire after EMBEDDING_CACHE_TTL).';

/** The compacted-topic keys of erased documents: the document on documents and documents-indexed, each chunk index on chunks and chunks-embedded. */
export const tombstonesFor = (tenantId: string, documents: readonly ErasedDocument[]): Tombstone[] =>
  documents.flatMap(({ collection, documentId, chunkCount }) => {
    const reference = { tenantId, collection, documentId };
    const chunkKeys = Array.from({ length: chunkCount }, (_, index) => chunkKey(reference, index));
    return [
      { topic: TOPICS.documents, key: documentKey(reference) },
      { topic: TOPICS.documentsIndexed, key: documentKey(reference) },
      ...chunkKeys.flatMap((key) => [{ topic: TOPICS.chunks, key }, { topic: TOPICS.chunksEmbedded, key }]),
    ];
  });

const confirmed = async (what: string): Promise<boolean> => {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(`Erase ${what}? This cannot be undone. [y/N] `)).trim());
  } finally {
    prompt.close();
  }
};

const render = (result: EraseResult, tombstones: number, dryRun: boolean): string =>
  table([
    ['WHERE', dryRun ? 'WOULD REMOVE' : 'REMOVED'],
    ...Object.entries(result.rows).map(([name, count]) => [`postgres ${name}`, String(count)]),
    ['kafka tombstones (documents, documents-indexed, chunks, chunks-embedded)', String(tombstones)],
    ['redis embedding cache', '0 (nothing tenant-specific)'],
  ]);

/** `rivulet erase`: exits 2 without --yes off a terminal, 1 when not confirmed. */
export const erase = async (config: CliConfig, options: EraseCommandOptions): Promise<number> => {
  const tenantId = options.tenant.trim();
  const userId = options.user?.trim();
  if (tenantId === '' || userId === '') {
    warn('--tenant and --user expect a non-empty name.');
    return 2;
  }
  const what = userId === undefined ? `everything of tenant ${tenantId}` : `the conversations of user ${userId} of tenant ${tenantId}`;
  const plan = await withPool(config, 'tenant', (pool) => eraseTenant(pool, { tenantId, userId, dryRun: true }));
  const planned = tombstonesFor(tenantId, plan.documents);
  if (options.dryRun === true || options.yes !== true) {
    if (options.json === true && options.dryRun === true) {
      say(JSON.stringify({ tenantId, userId: userId ?? null, dryRun: true, rows: plan.rows, documents: plan.documents, tombstones: planned.length, cache: 0 }));
      return 0;
    }
    say(`Erase ${what}${options.dryRun === true ? ' (dry run: nothing removed)' : ''}:`);
    say(render(plan, planned.length, true));
    if (options.dryRun === true) return 0;
    if (!process.stdin.isTTY) {
      warn('Not erased: add --yes to erase (or --dry-run to only report).');
      return 2;
    }
    if (!(await confirmed(what))) {
      say('Not erased.');
      return 1;
    }
  }
  const kafka = operatorKafka(config);
  const topicPrefix = config.KAFKA_TOPIC_PREFIX;
  const sent = new Set(planned.map(({ topic, key }) => `${topic}\u0000${key}`));
  let tombstones = await sendTombstones({ kafka, tombstones: planned, topicPrefix, tenantId });
  const result = await withPool(config, 'tenant', (pool) => eraseTenant(pool, { tenantId, userId }));
  // Documents that arrived between the plan and the delete.
  const late = tombstonesFor(tenantId, result.documents).filter(({ topic, key }) => !sent.has(`${topic}\u0000${key}`));
  tombstones += await sendTombstones({ kafka, tombstones: late, topicPrefix, tenantId });
  if (options.json === true) {
    say(JSON.stringify({ tenantId, userId: userId ?? null, dryRun: false, rows: result.rows, documents: result.documents, tombstones, cache: 0 }));
    return 0;
  }
  say(`Erased ${what}:`);
  say(render(result, tombstones, false));
  say(CACHE_NOTE);
  if (userId === undefined) say('Kept: the tenant\'s API keys and budgets (operator configuration; revoke keys with `rivulet keys revoke`).');
  return 0;
};

export const registerEraseCommand = (program: Command, action: CommandAction): Command =>
  usageErrorsExit2(program.command('erase'))
    .description('Remove a tenant\'s (or one user\'s) conversations and documents from PostgreSQL and the compacted topics, and report what was removed.')
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--user <id>', 'only this user\'s conversations and messages (the tenant\'s documents stay)')
    .option('--dry-run', 'report what would be removed; remove nothing')
    .option('-y, --yes', 'erase without asking (required when standard input is not a terminal)')
    .option('--json', 'print one JSON object instead of a table')
    .action(action((config, options: EraseCommandOptions) => erase(config, options)));
