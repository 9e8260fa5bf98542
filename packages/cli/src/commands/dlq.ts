// `rivulet dlq list` and `rivulet dlq replay`: the dead letters on `rivulet.dead-letter` (docs/operations.md,
// "Dead letters"). Both read the topic once, from the earliest retained dead letter to the end
// offsets captured at the start, so they always end.
import type { Command } from 'commander';
import type { DeadLetterRecord } from '@rivulet/kafka';
import { TOPICS } from '@rivulet/schemas';
import type { CliConfig } from '../context.js';
import { say, table, warn } from '../output.js';
import type { CommandAction } from './ask.js';
import { positiveCount } from './database.js';
import { dlqReplay, type DlqReplayOptions } from './dlq-replay.js';
import { scanFor } from './dlq-scan.js';
import { operatorKafka, usageErrorsExit2, withPrefix } from './replay.js';

export interface DlqListOptions {
  limit?: number;
  json?: boolean;
}

const DEFAULT_LIST_LIMIT = 50;

const byFailure = (left: DeadLetterRecord, right: DeadLetterRecord): number =>
  left.event.payload.failedAt - right.event.payload.failedAt || left.partition - right.partition || left.offset - right.offset;

/** One dead letter as `dlq list --json` prints it. */
export const deadLetterJson = ({ partition, offset, replayed, event }: DeadLetterRecord) => {
  const { payload } = event;
  return {
    deadLetter: { partition, offset },
    eventId: event.eventId, tenantId: event.tenantId, correlationId: event.correlationId,
    failedAt: new Date(payload.failedAt).toISOString(),
    originalTopic: payload.originalTopic, originalPartition: payload.originalPartition, originalOffset: payload.originalOffset,
    originalTimestamp: payload.originalTimestamp === null ? null : new Date(payload.originalTimestamp).toISOString(),
    key: payload.originalKey?.toString('utf8') ?? null,
    valueBytes: payload.originalValue?.length ?? null,
    consumerGroup: payload.consumerGroup || null,
    errorCode: payload.errorCode, errorMessage: payload.errorMessage, retriable: payload.retriable, attempts: payload.attempts,
    replayed,
  };
};

const oneLine = (text: string, width: number): string => {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
};

/** `rivulet dlq list [<topic>]`: the most recent dead letters, oldest first. */
export const dlqList = async (config: CliConfig, topicName: string | undefined, options: DlqListOptions): Promise<number> => {
  const topic = topicName === undefined ? undefined : withPrefix(config.KAFKA_TOPIC_PREFIX, topicName);
  const found = await scanFor(config, operatorKafka(config), { topic });
  if (typeof found === 'string') {
    warn(found);
    return 1;
  }
  const { scan } = found;
  const limit = options.limit ?? DEFAULT_LIST_LIMIT;
  const shown = [...scan.letters].sort(byFailure).slice(-limit);
  if (options.json === true) {
    say(JSON.stringify({ topic: scan.topic, originalTopic: topic ?? null, total: scan.letters.length, shown: shown.length, undecodable: scan.undecodable, letters: shown.map(deadLetterJson) }, null, 2));
    return 0;
  }
  const scope = topic === undefined ? '' : ` from ${topic}`;
  if (scan.letters.length === 0) say(`No dead letters${scope} on ${scan.topic}.`);
  else {
    say(`${scan.letters.length} dead letter(s)${scope} on ${scan.topic}${shown.length < scan.letters.length ? `; the last ${shown.length}` : ''}:`);
    say(table([
      ['FAILED AT', 'ORIGINAL (TOPIC/PARTITION@OFFSET)', 'ERROR', 'ATTEMPTS', 'GROUP', 'REPLAYED'],
      ...shown.map(({ event: { payload }, replayed }) => [
        new Date(payload.failedAt).toISOString(), `${payload.originalTopic}/${payload.originalPartition}@${payload.originalOffset}`,
        oneLine(`${payload.errorCode}: ${payload.errorMessage}`, 100), String(payload.attempts), payload.consumerGroup || '-', replayed ? 'yes' : 'no',
      ]),
    ]));
  }
  if (scan.undecodable.length > 0) warn(`${scan.undecodable.length} record(s) on ${scan.topic} are not decodable dead letters (first: partition ${scan.undecodable[0]!.partition} offset ${scan.undecodable[0]!.offset}: ${scan.undecodable[0]!.reason}).`);
  return 0;
};

export const registerDlqCommand = (program: Command, action: CommandAction): Command => {
  const dlq = program.command('dlq').description(`Dead letters on ${TOPICS.deadLetter}: list them, replay them to their original topic after a fix.`);
  usageErrorsExit2(dlq.command('list'))
    .description('List dead letters (the most recent, oldest first): time, original topic/partition/offset, error, attempts, the group that gave up, whether replayed.')
    .argument('[topic]', 'only dead letters read from this topic (KAFKA_TOPIC_PREFIX applies)')
    .option('--limit <n>', `show at most the last n (default ${DEFAULT_LIST_LIMIT})`, positiveCount)
    .option('--json', 'print one JSON object: { topic, total, shown, undecodable, letters[] }')
    .action(action((config, topic: string | undefined, options: DlqListOptions) => dlqList(config, topic, options)));
  usageErrorsExit2(dlq.command('replay'))
    .description('Produce the dead letters of a topic back to it (same key, value bytes, headers and partition), once: progress is committed per topic and group.')
    .argument('<topic>', 'the original topic (KAFKA_TOPIC_PREFIX applies)')
    .option('--group <group>', 'only dead letters of this consumer group (worker name or group id)')
    .option('--limit <n>', 'replay at most n, earliest failures first', positiveCount)
    .option('--dry-run', 'report what would be replayed; produce and record nothing')
    .action(action((config, topic: string, options: DlqReplayOptions) => dlqReplay(config, topic, options)));
  return dlq;
};
