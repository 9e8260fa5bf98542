// Re-driving dead letters after a fix (`rivulet dlq replay`): each original message goes back to its
// original topic and partition with its key, value bytes and headers as recorded, and the progress
// is committed so the next run does not produce the same dead letters again.
import type { Kafka } from 'kafkajs';
import { settleWithin, withDeadline } from './deadline.js';
import { deadLetterReplayGroupId, type DeadLetterRecord, type DeadLetterScan } from './dead-letter-reader.js';
import { commitGroupOffsets } from './group-commit.js';

export interface ReplayDeadLettersOptions {
  kafka: Kafka;
  /** A scan of the dead-letter topic, usually filtered to one original topic (and group). */
  scan: DeadLetterScan;
  /** Replay at most this many, the earliest failures first. Default: all. */
  limit?: number;
  /** Report what would be replayed; produce and commit nothing. */
  dryRun?: boolean;
  /** Deadline of connecting and of each produce request. Default 10000 ms. */
  timeoutMs?: number;
  /** Deadline of committing one progress group (it joins the group briefly). Default 15000 ms. */
  commitTimeoutMs?: number;
}

export interface ReplayProgress {
  groupId: string;
  /** Partition of the dead-letter topic. */
  partition: number;
  /** Every dead letter of the group's pair below this offset has been replayed. */
  offset: number;
}

export interface DeadLetterReplay {
  /** The dead letters produced back (in a dry run: that would be), in the order produced. */
  replayed: DeadLetterRecord[];
  /** Matching dead letters an earlier replay already re-drove. */
  alreadyReplayed: number;
  /** Matching dead letters not replayed this time (over the limit). */
  remaining: number;
  /** The progress committed; empty in a dry run. */
  progress: ReplayProgress[];
}

const SEND_CHUNK = 500;

/**
 * The first `limit` pending dead letters, earliest failure first, but always a prefix of each
 * partition's pending ones: dead letters of one key share a partition, so their order is kept,
 * and progress (an offset per partition) can describe what was replayed exactly.
 */
const select = (pending: readonly DeadLetterRecord[], limit: number): DeadLetterRecord[] => {
  const queues = new Map<number, DeadLetterRecord[]>();
  for (const letter of pending) {
    const queue = queues.get(letter.partition) ?? [];
    queue.push(letter);
    queues.set(letter.partition, queue);
  }
  const chosen: DeadLetterRecord[] = [];
  while (chosen.length < limit) {
    let next: DeadLetterRecord[] | undefined;
    for (const queue of queues.values()) {
      if (queue.length > 0 && (next === undefined || queue[0]!.event.payload.failedAt < next[0]!.event.payload.failedAt)) next = queue;
    }
    if (next === undefined) break;
    chosen.push(next.shift()!);
  }
  return chosen.sort((left, right) => left.partition - right.partition || left.offset - right.offset);
};

/** Per progress group and dead-letter partition touched: the first pending letter left, else the scanned end. */
const progressAfter = (scan: DeadLetterScan, pending: readonly DeadLetterRecord[], chosen: readonly DeadLetterRecord[]): ReplayProgress[] => {
  const groupOf = (letter: DeadLetterRecord) => deadLetterReplayGroupId(scan.prefix, letter.event.payload.originalTopic, letter.event.payload.consumerGroup);
  const done = new Set(chosen);
  const touched = new Map<string, ReplayProgress>();
  for (const letter of chosen) {
    const groupId = groupOf(letter);
    const left = pending.find((other) => !done.has(other) && other.partition === letter.partition && groupOf(other) === groupId);
    touched.set(`${groupId}\u0000${letter.partition}`, { groupId, partition: letter.partition, offset: left?.offset ?? scan.ends.get(letter.partition) ?? letter.offset + 1 });
  }
  return [...touched.values()].sort((left, right) => left.groupId.localeCompare(right.groupId) || left.partition - right.partition);
};

/**
 * Produces the scan's dead letters that no replay re-drove yet back to their original topics
 * (explicit original partition, same key, value bytes and headers), waits for the broker's
 * acknowledgement, then commits the progress. At-least-once: a crash between the two replays
 * those letters again on the next run.
 */
export const replayDeadLetters = async ({ kafka, scan, limit = Number.POSITIVE_INFINITY, dryRun = false, timeoutMs = 10_000, commitTimeoutMs = 15_000 }: ReplayDeadLettersOptions): Promise<DeadLetterReplay> => {
  const pending = scan.letters.filter(({ replayed }) => !replayed);
  const chosen = select(pending, limit);
  const outcome = { replayed: chosen, alreadyReplayed: scan.letters.length - pending.length, remaining: pending.length - chosen.length };
  if (dryRun || chosen.length === 0) return { ...outcome, progress: [] };

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 3 } });
  try {
    await withDeadline('connect the producer', timeoutMs, producer.connect());
    for (let start = 0; start < chosen.length; start += SEND_CHUNK) {
      const byTopic = new Map<string, { key: Buffer | null; value: Buffer | null; headers: Record<string, string>; partition: number }[]>();
      for (const { event: { payload } } of chosen.slice(start, start + SEND_CHUNK)) {
        const messages = byTopic.get(payload.originalTopic) ?? [];
        messages.push({ key: payload.originalKey, value: payload.originalValue, headers: { ...payload.originalHeaders }, partition: payload.originalPartition });
        byTopic.set(payload.originalTopic, messages);
      }
      const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      await withDeadline(`produce ${chosen.length} message(s)`, timeoutMs, producer.sendBatch({ acks: -1, topicMessages }));
    }
  } finally {
    await settleWithin(timeoutMs, () => producer.disconnect());
  }

  const progress = progressAfter(scan, pending, chosen);
  for (const groupId of new Set(progress.map((entry) => entry.groupId))) {
    const partitions = progress.filter((entry) => entry.groupId === groupId).map(({ partition, offset }) => ({ partition, offset }));
    await commitGroupOffsets({ kafka, groupId, topic: scan.topic, partitions, timeoutMs: commitTimeoutMs });
  }
  return { ...outcome, progress };
};
