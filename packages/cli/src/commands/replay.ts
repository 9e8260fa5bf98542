// `rivulet replay <group> --from earliest|<ISO time>`: moves a stopped consumer group's committed
// offsets back, so its worker reprocesses those events when it starts (re-embedding with a new
// model, rebuilding an index after a fix). It refuses while the group has live members.
import { createInterface } from 'node:readline/promises';
import { CommanderError, InvalidArgumentError, type Command } from 'commander';
import { createKafkaClient, describeMembers, openOffsetResetter, RivuletKafkaError, silentLogger, type GroupResetPlan, type Kafka, type ResetTarget } from '@rivulet/kafka';
import { EMBEDDING_GROUP, EMBEDDING_QUERIES_GROUP } from '@rivulet/worker-embedding';
import { GENERATION_GROUP } from '@rivulet/worker-generation';
import { INDEXER_GROUP } from '@rivulet/worker-indexer';
import { INGESTION_GROUP } from '@rivulet/worker-ingestion';
import { PERSISTENCE_GROUP, USAGE_GROUP } from '@rivulet/worker-persistence';
import { RETRIEVAL_GROUP } from '@rivulet/worker-retrieval';
import type { CliConfig } from '../context.js';
import { say, table, warn } from '../output.js';
import type { CommandAction } from './ask.js';

export interface ReplayOptions {
  from: ResetTarget;
  topic?: string[];
  yes?: boolean;
  dryRun?: boolean;
}

/** Deadline of each call to Kafka: a broker that is down must not hang an operator's command. */
export const CALL_TIMEOUT_MS = 5_000;

/** The workers' consumer groups by short name: `embedding` is `rivulet-embedding`, `usage` is `rivulet-usage`. */
export const GROUP_ALIASES: Record<string, string> = Object.fromEntries(
  [INGESTION_GROUP, EMBEDDING_GROUP, EMBEDDING_QUERIES_GROUP, INDEXER_GROUP, RETRIEVAL_GROUP, GENERATION_GROUP, PERSISTENCE_GROUP, USAGE_GROUP]
    .map((groupId) => [groupId.replace(/^rivulet-/, ''), groupId]),
);

/** A name as the workers use it: KAFKA_TOPIC_PREFIX in front, unless it is already there. */
export const withPrefix = (prefix: string, name: string): string => (prefix !== '' && name.startsWith(prefix) ? name : prefix + name);

/** A worker's short name, a group id without the prefix, or the full id, to the full id. */
export const resolveGroupId = (prefix: string, name: string): string => prefix + (GROUP_ALIASES[name] ?? (prefix !== '' && name.startsWith(prefix) ? name.slice(prefix.length) : name));

export const operatorKafka = (config: CliConfig): Kafka => createKafkaClient({
  brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger: silentLogger, connectionTimeoutMs: CALL_TIMEOUT_MS, requestTimeoutMs: CALL_TIMEOUT_MS,
});

/** Commander's parser of `--from`: `earliest`, or an ISO 8601 date or date-time. */
export const parseFrom = (value: string): ResetTarget => {
  if (value === 'earliest') return 'earliest';
  const timestamp = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(timestamp)) throw new InvalidArgumentError('expected `earliest` or an ISO 8601 time such as 2025-01-31T09:00:00Z.');
  return { timestamp };
};

/** Usage errors of `command` (a bad or missing flag or argument) exit 2, as a usage error should; help still exits 0. */
export const usageErrorsExit2 = (command: Command): Command =>
  command.exitOverride((error) => {
    throw error.exitCode === 0 ? error : new CommanderError(2, error.code, error.message);
  });

const describeTarget = (target: ResetTarget): string => (target === 'earliest' ? 'the earliest retained event' : `the first event at or after ${new Date(target.timestamp).toISOString()}`);

const renderPlan = (plan: GroupResetPlan, target: ResetTarget): string[] => {
  const total = plan.partitions.reduce((sum, { toProcess }) => sum + toProcess, 0);
  const skipped = plan.partitions.reduce((sum, { committed, target: next }) => sum + Math.max(0, next - (committed ?? next)), 0);
  return [
    `Consumer group ${plan.groupId} (${plan.state}, no live members): reset to ${describeTarget(target)}.`,
    table([
      ['TOPIC', 'PARTITION', 'COMMITTED', 'NEW', 'END', 'TO REPROCESS'],
      ...plan.partitions.map(({ topic, partition, committed, target: next, end, toProcess }) => [topic, String(partition), committed === null ? '-' : String(committed), String(next), String(end), String(toProcess)]),
    ]),
    `${total} event(s) on ${plan.partitions.length} partition(s) will be processed again by ${plan.groupId}${skipped > 0 ? `; ${skipped} not yet processed will be skipped (new offset past the committed one)` : ''}.`,
  ];
};

const confirmed = async (groupId: string): Promise<boolean> => {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(`Reset the offsets of ${groupId}? [y/N] `)).trim());
  } finally {
    prompt.close();
  }
};

/** `rivulet replay`: exits 1 for an unknown group or topic or a group with live members, 2 without --yes off a terminal. */
export const replay = async (config: CliConfig, name: string, options: ReplayOptions): Promise<number> => {
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const resetter = await openOffsetResetter({ kafka: operatorKafka(config), brokers: config.KAFKA_BROKERS, timeoutMs: CALL_TIMEOUT_MS });
  try {
    const groupId = resolveGroupId(prefix, name);
    const groupIds = await resetter.groupIds();
    if (!groupIds.includes(groupId)) {
      const known = groupIds.filter((id) => id.startsWith(prefix) && !id.slice(prefix.length).startsWith('rivulet-dlq-replay-'));
      warn(`Unknown consumer group "${name}" (looked for ${groupId}${prefix === '' ? '' : `, KAFKA_TOPIC_PREFIX=${prefix}`}). Known groups: ${known.join(', ') || 'none'}. Worker names: ${Object.keys(GROUP_ALIASES).join(', ')}.`);
      return 1;
    }
    const group = await resetter.describeGroup(groupId);
    if (group.members.length > 0) {
      warn(`Consumer group ${groupId} has ${group.members.length} live member(s); stop them first (a running member would overwrite the reset with its next commit): ${describeMembers(group.members)}`);
      return 1;
    }
    const existing = new Set(await resetter.topicNames());
    const topics = options.topic !== undefined && options.topic.length > 0
      ? [...new Set(options.topic.map((topic) => withPrefix(prefix, topic)))]
      : [...new Set(group.committed.map(({ topic }) => topic))].filter((topic) => topic.startsWith(prefix) && existing.has(topic)).sort();
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      warn(`Unknown topic(s): ${missing.join(', ')}.`);
      return 1;
    }
    if (topics.length === 0) {
      warn(`Consumer group ${groupId} has no committed offsets on topics of this prefix; name them with --topic.`);
      return 1;
    }
    const plan = await resetter.plan(groupId, topics, options.from);
    for (const line of renderPlan(plan, options.from)) say(line);
    if (options.dryRun === true) {
      say('Dry run: no offsets were changed.');
      return 0;
    }
    if (options.yes !== true) {
      if (!process.stdin.isTTY) {
        warn('Not applied: add --yes to reset the offsets (or --dry-run to only report).');
        return 2;
      }
      if (!(await confirmed(groupId))) {
        say('Not applied.');
        return 1;
      }
    }
    try {
      await resetter.apply(plan);
    } catch (error) {
      if (error instanceof RivuletKafkaError && error.code === 'group_active') {
        warn(`${error.message}. Nothing was reset; stop them and run this again.`);
        return 1;
      }
      throw error;
    }
    say(`Reset ${groupId}: its next start processes ${plan.partitions.reduce((sum, { toProcess }) => sum + toProcess, 0)} event(s) again.`);
    return 0;
  } finally {
    await resetter.close();
  }
};

export const registerReplayCommand = (program: Command, action: CommandAction): Command =>
  usageErrorsExit2(program.command('replay'))
    .description('Reset a stopped consumer group\'s offsets so its worker reprocesses events; refuses (exit 1) while the group has live members.')
    .argument('<group>', `a worker's group by name (${Object.keys(GROUP_ALIASES).join(', ')}) or a consumer group id; KAFKA_TOPIC_PREFIX applies`)
    .requiredOption('--from <earliest|time>', '`earliest`, or an ISO 8601 time: the first event at or after it', parseFrom)
    .option('--topic <topics...>', 'only these topics (default: every topic of this prefix the group has committed on)')
    .option('--dry-run', 'report what would be reprocessed; change nothing')
    .option('-y, --yes', 'apply without asking (required when standard input is not a terminal)')
    .action(action((config, name: string, options: ReplayOptions) => replay(config, name, options)));
