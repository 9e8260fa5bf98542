// `rivulet dlq replay <topic>`: re-drives the dead letters of one topic after a fix. Each original
// message goes back to its topic and partition as it was (key, value bytes, headers); progress is
// committed per topic and failing group, so a second run replays only newer dead letters.
import { replayDeadLetters } from '@rivulet/kafka';
import type { CliConfig } from '../context.js';
import { say, table, warn } from '../output.js';
import { scanFor } from './dlq-scan.js';
import { GROUP_ALIASES, operatorKafka, resolveGroupId, withPrefix } from './replay.js';

export interface DlqReplayOptions {
  group?: string;
  limit?: number;
  dryRun?: boolean;
}

/** Exits 1 for an unknown topic or group; 0 otherwise, also when there was nothing to replay. */
export const dlqReplay = async (config: CliConfig, topicName: string, options: DlqReplayOptions): Promise<number> => {
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const topic = withPrefix(prefix, topicName);
  const kafka = operatorKafka(config);
  const found = await scanFor(config, kafka, { topic });
  if (typeof found === 'string') {
    warn(found);
    return 1;
  }
  const { group } = options;
  const consumerGroup = group === undefined ? undefined : resolveGroupId(prefix, group);
  const ofTopic = found.scan.letters;
  const known = (name: string, id: string): boolean =>
    name in GROUP_ALIASES || found.groupIds.includes(id) || ofTopic.some(({ event }) => event.payload.consumerGroup === id);
  if (group !== undefined && consumerGroup !== undefined && !known(group, consumerGroup)) {
    warn(`Unknown consumer group "${group}" (looked for ${consumerGroup}): neither the broker nor a dead letter of ${topic} knows it.`);
    return 1;
  }
  const scan = consumerGroup === undefined ? found.scan : { ...found.scan, letters: ofTopic.filter(({ event }) => event.payload.consumerGroup === consumerGroup) };
  const scope = `${topic}${consumerGroup === undefined ? '' : ` (group ${consumerGroup})`}`;
  const outcome = await replayDeadLetters({ kafka, scan, limit: options.limit, dryRun: options.dryRun === true });
  if (outcome.replayed.length === 0) {
    say(`Nothing to replay: ${scan.letters.length} dead letter(s) of ${scope}, ${outcome.alreadyReplayed} already replayed.`);
    return 0;
  }
  say(table([
    ['DEAD LETTER', 'TO (PARTITION@ORIGINAL OFFSET)', 'ERROR', 'GROUP'],
    ...outcome.replayed.map(({ partition, offset, event: { payload } }) => [
      `${partition}@${offset}`, `${payload.originalPartition}@${payload.originalOffset}`, payload.errorCode, payload.consumerGroup,
    ]),
  ]));
  const counts = `${outcome.alreadyReplayed} already replayed earlier${outcome.remaining > 0 ? `, ${outcome.remaining} left for a later run (--limit)` : ''}`;
  if (options.dryRun === true) {
    say(`Dry run: would replay ${outcome.replayed.length} dead letter(s) to ${topic}; ${counts}. Nothing was produced or recorded.`);
    return 0;
  }
  say(`Replayed ${outcome.replayed.length} dead letter(s) to ${topic}; ${counts}. Every consumer group reading ${topic} receives them again.`);
  say(`Progress recorded in consumer group(s) ${[...new Set(outcome.progress.map(({ groupId }) => groupId))].join(', ')}.`);
  return 0;
};
