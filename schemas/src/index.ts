// @rivulet/schemas: the event contracts. Pure data and types; no Kafka or registry client here.
export type * from './avro-schema.js';
export type * from './generated/index.js';
export {
  EVENT_NAMESPACE,
  EVENT_TYPES,
  EVENT_TYPE_NAMES,
  eventTypeForSubject,
  isEventType,
} from './events.js';
export type { EventEnvelope, EventPayloads, EventRecord, EventType, EventTypeSpec, RivuletEvent } from './events.js';
export {
  DEFAULT_PARTITIONS,
  TOMBSTONE_RETENTION_MS,
  TOPICS,
  TOPIC_FOR_EVENT_TYPE,
  TOPIC_SPECS,
  topicConfig,
  topicSpec,
} from './topics.js';
export type { CleanupPolicy, TopicEventType, TopicName, TopicSpec } from './topics.js';
export { chunkKey, documentKey, eventKey } from './keys.js';
export type { DocumentReference } from './keys.js';
export * from './values.js';
export { AVRO_DIRECTORY } from './paths.js';
