// Every Kafka topic: its name, key, partitions, cleanup and the events it carries.
// docs/topics.md explains each choice; a test keeps the two in step.
import type { EventType } from './events.js';

/** Topic names. Code names a topic only through these constants (CONVENTIONS.md rule 4). */
export const TOPICS = {
  chatRequests: 'rivulet.chat.requests',
  queriesEmbedded: 'rivulet.chat.queries-embedded',
  contextsRetrieved: 'rivulet.chat.contexts-retrieved',
  replies: 'rivulet.chat.replies',
  messagesPersisted: 'rivulet.chat.messages-persisted',
  documents: 'rivulet.ingestion.documents',
  chunks: 'rivulet.ingestion.chunks',
  chunksEmbedded: 'rivulet.ingestion.chunks-embedded',
  documentsIndexed: 'rivulet.ingestion.documents-indexed',
  usage: 'rivulet.usage',
  deadLetter: 'rivulet.dead-letter',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * `delete`: records expire after retentionMs (pipeline traffic).
 * `compact`: the latest record per key is kept indefinitely, so replaying the topic from the
 * start rebuilds current state; a null value (tombstone) removes a key.
 */
export type CleanupPolicy = 'delete' | 'compact';

export interface TopicSpec {
  readonly name: TopicName;
  /** Partition count: the ceiling on a consumer group's parallelism. Can grow later, which moves keys. */
  readonly partitions: number;
  readonly cleanupPolicy: CleanupPolicy;
  /** `retention.ms` of a `delete` topic; null for a `compact` topic (kept until superseded). */
  readonly retentionMs: number | null;
  /** What the record key is; `eventKey` (keys.ts) computes it. */
  readonly key: string;
  /** The event types published here; each event type is published on exactly one topic. */
  readonly eventTypes: readonly EventType[];
  /** Workspaces that produce to the topic. */
  readonly producers: readonly string[];
  /** Workspaces that consume it, each in its own consumer group. */
  readonly consumers: readonly string[];
  /** Why the topic exists and why its key and cleanup are what they are. */
  readonly purpose: string;
}

/** Partitions per topic unless a spec says otherwise (configurable when topics are created). */
export const DEFAULT_PARTITIONS = 6;

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** How long a tombstone stays in a compacted topic: a consumer offline for less still sees the delete. */
export const TOMBSTONE_RETENTION_MS = 7 * DAY_MS;

export const TOPIC_SPECS = [
  {
    name: TOPICS.chatRequests,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 3 * DAY_MS,
    key: 'conversationId',
    eventTypes: ['chat-request-received'],
    producers: ['ws-ingress'],
    consumers: ['embedding', 'persistence'],
    purpose: 'Entry of the chat pipeline. Keyed by conversation so the turns of one conversation stay in order through every chat stage. Kept 3 days so the persistence worker can catch up after an outage; prompts are not kept longer than that.',
  },
  {
    name: TOPICS.queriesEmbedded,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 1 * DAY_MS,
    key: 'conversationId',
    eventTypes: ['query-embedded'],
    producers: ['embedding'],
    consumers: ['retrieval'],
    purpose: 'Questions with their embeddings. Intermediate: a request is worthless after its deadline, so one day is enough to debug.',
  },
  {
    name: TOPICS.contextsRetrieved,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 1 * DAY_MS,
    key: 'conversationId',
    eventTypes: ['context-retrieved'],
    producers: ['retrieval'],
    consumers: ['generation'],
    purpose: 'Requests with the chunks to answer from; the generation worker\'s only input (rag false passes through with no chunks).',
  },
  {
    name: TOPICS.replies,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 3 * DAY_MS,
    key: 'requestId',
    eventTypes: ['reply-delta', 'reply-end'],
    producers: ['generation', 'retrieval'],
    consumers: ['ws-ingress', 'persistence'],
    purpose: 'Streamed answers. The generation worker produces to the partition in the request\'s replyRoute (not the key\'s hash): each ingress instance reads its own partitions, so the partition count caps the number of ingress instances. Deltas and the end of one request share a partition, so they arrive in order. The persistence worker stores reply-end.',
  },
  {
    name: TOPICS.messagesPersisted,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    key: 'conversationId',
    eventTypes: ['message-persisted'],
    producers: ['persistence'],
    consumers: [],
    purpose: 'The fact that a message is durable, for audit, analytics and later workers (conversation titles, summaries); no v1 worker consumes it.',
  },
  {
    name: TOPICS.documents,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'compact',
    retentionMs: null,
    key: '<tenantId>/<collection>/<documentId>',
    eventTypes: ['document-received'],
    producers: ['ws-ingress'],
    consumers: ['chunking', 'indexing'],
    purpose: 'Source of truth for the corpus. One key per document keeps its versions and its delete in order, and compaction keeps only the latest, so replaying the topic re-ingests exactly the current documents. Content over 512 KiB travels by reference to the blob store.',
  },
  {
    name: TOPICS.chunks,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'compact',
    retentionMs: null,
    key: '<tenantId>/<collection>/<documentId>/<index>',
    eventTypes: ['chunk-created'],
    producers: ['chunking', 'cli (rivulet erase: tombstones)'],
    consumers: ['embedding'],
    purpose: 'Chunks to embed. Keyed per chunk, not per document: compaction keeps one record per key, so a per-document key would keep only a document\'s last chunk; and a large document\'s chunks spread over every partition, so the embedding workers share it. Replaying re-embeds the corpus with a new model without re-chunking.',
  },
  {
    name: TOPICS.chunksEmbedded,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'compact',
    retentionMs: null,
    key: '<tenantId>/<collection>/<documentId>/<index>',
    eventTypes: ['chunk-embedded'],
    producers: ['embedding', 'cli (rivulet erase: tombstones)'],
    consumers: ['indexing'],
    purpose: 'Embedded chunks. Compacted per chunk so replaying rebuilds the vector index without paying for embeddings again.',
  },
  {
    name: TOPICS.documentsIndexed,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'compact',
    retentionMs: null,
    key: '<tenantId>/<collection>/<documentId>',
    eventTypes: ['document-indexed'],
    producers: ['chunking', 'indexing'],
    consumers: ['ws-ingress', 'persistence'],
    purpose: 'Document status changes. Same key as the documents topic so a document\'s statuses stay in order; compaction keeps the latest, so the topic is a replayable status table. The ingress turns it into ingest_status frames; the persistence worker keeps the status GET /v1/documents/{id} serves.',
  },
  {
    name: TOPICS.usage,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    key: 'tenantId',
    eventTypes: ['usage-recorded'],
    producers: ['generation'],
    consumers: ['persistence (usage aggregator)'],
    purpose: 'What every generation attempt used and cost, whatever its outcome (done, cancelled, failed, refused for budget). Keyed by tenant so one tenant\'s usage is aggregated in order by one consumer. Kept 30 days so analytics and a rebuilt aggregate can replay a month; the aggregate in PostgreSQL is idempotent per request and attempt.',
  },
  {
    name: TOPICS.deadLetter,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 14 * DAY_MS,
    key: 'the original message\'s key, unchanged',
    eventTypes: ['event-dead-lettered'],
    producers: ['every consumer (the @rivulet/kafka runtime)'],
    consumers: ['cli (rivulet status counts, replay)'],
    purpose: 'Messages a consumer gave up on, byte for byte, with the error. One topic for all: the payload names the original topic. The original key keeps one entity\'s failures in order for replay. Kept 14 days so an operator has time to fix and replay.',
  },
] as const satisfies readonly TopicSpec[];

/** The event types a topic carries: `TopicEventType<'rivulet.chat.replies'>` is `'reply-delta' | 'reply-end'`. */
export type TopicEventType<Name extends TopicName> = Extract<(typeof TOPIC_SPECS)[number], { name: Name }>['eventTypes'][number];

/** The topic each event type is published on. */
export const TOPIC_FOR_EVENT_TYPE = Object.fromEntries(
  TOPIC_SPECS.flatMap((spec) => spec.eventTypes.map((type) => [type, spec.name])),
) as { readonly [K in EventType]: TopicName };

/** The spec of a topic by name. */
export const topicSpec = (name: TopicName): TopicSpec => {
  const spec = TOPIC_SPECS.find((candidate) => candidate.name === name);
  if (spec === undefined) throw new Error(`no spec for topic ${name}`);
  return spec;
};

/** Topic-level Kafka configuration for creating the topic. */
export const topicConfig = (spec: TopicSpec): Record<string, string> =>
  spec.cleanupPolicy === 'compact'
    ? { 'cleanup.policy': 'compact', 'delete.retention.ms': String(TOMBSTONE_RETENTION_MS) }
    : { 'cleanup.policy': 'delete', 'retention.ms': String(spec.retentionMs ?? -1) };
