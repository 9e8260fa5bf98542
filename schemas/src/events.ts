// The event catalogue: every event type's registry subject, Avro schema and TypeScript types.
// The types come from src/generated/, which scripts/generate.ts writes from avro/*.avsc.
import type { AvroRecordSchema } from './avro-schema.js';
import { EVENT_SCHEMAS } from './generated/index.js';
import type { EventRecords } from './generated/index.js';

/** The Avro namespace of every event record; a subject is `<namespace>.<RecordName>`. */
export const EVENT_NAMESPACE = 'dev.rivulet.events';

/** An event type name, noun-verb in kebab-case: `chunk-created`, `reply-delta`, ... */
export type EventType = keyof EventRecords;

/**
 * The Avro record of an event type as producers build it and consumers receive it: the envelope
 * with its payload. Values follow avsc's defaults: `long` (also `timestamp-millis`) is a number,
 * `bytes` a Buffer, an optional field `T | null`, a map a plain object. `@rivulet/kafka` must
 * decode without avsc `logicalTypes` or `wrapUnions: true`, or these types no longer describe
 * the values. Decode with this catalogue's schema as the reader schema (the registry client's
 * `{ [SchemaType.AVRO]: { readerSchema } }` option) so data written by an older schema version
 * arrives in this version's shape, defaults filled in.
 */
export type EventRecord<T extends EventType = EventType> = EventRecords[T];

/** Event type name to its payload type. */
export type EventPayloads = { [K in EventType]: EventRecords[K]['payload'] };

/** The fields every event starts with (docs/decisions/0001-event-model.md). */
export interface EventEnvelope<Payload> {
  /** UUID, unique per event; idempotent sinks key on it. */
  eventId: string;
  /** Owner of the data; every consumer scopes by it. */
  tenantId: string;
  /** The request id that caused the event (chat request id, ingestion id). */
  correlationId: string;
  /** When the producer created the event, in milliseconds since the Unix epoch (UTC). */
  occurredAt: number;
  payload: Payload;
}

/**
 * An event tagged with its type: the discriminated union handlers receive and return.
 * `type` is not part of the Avro record (the schema id says which type a message holds); the
 * Kafka package adds it after decoding and leaves it out when encoding. No schema may have a
 * top-level field named `type` (a test checks).
 *
 * `RivuletEvent<'reply-delta' | 'reply-end'>` narrows on `event.type`.
 */
export type RivuletEvent<T extends EventType = EventType> = {
  [K in T]: { readonly type: K } & EventRecords[K];
}[T];

/** What the catalogue knows about one event type. */
export interface EventTypeSpec<T extends EventType = EventType> {
  readonly type: T;
  /** Schema registry subject (RecordNameStrategy): the record's full name. */
  readonly subject: (typeof EVENT_SCHEMAS)[T]['subject'];
  /** The Avro schema, as written in avro/<type>.avsc. */
  readonly schema: AvroRecordSchema;
}

/** Every event type, by name. */
export const EVENT_TYPES = Object.fromEntries(
  Object.entries(EVENT_SCHEMAS).map(([type, spec]) => [type, { type, ...spec }]),
) as { readonly [K in EventType]: EventTypeSpec<K> };

/** Every event type name, sorted. */
export const EVENT_TYPE_NAMES: readonly EventType[] = Object.keys(EVENT_TYPES).sort() as EventType[];

const typesBySubject = new Map<string, EventType>(EVENT_TYPE_NAMES.map((type) => [EVENT_TYPES[type].subject, type]));

export const isEventType = (name: string): name is EventType => Object.hasOwn(EVENT_TYPES, name);

/** The event type whose subject this is, or undefined: maps a decoded schema back to its type. */
export const eventTypeForSubject = (subject: string): EventType | undefined => typesBySubject.get(subject);
