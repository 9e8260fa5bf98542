/**
 * What the runtime knows about events: each event type's registry subject and Avro
 * schema. `@rivulet/schemas` exports Rivulet's catalogue; tests pass their own.
 */
export interface EventDefinition {
  /** Registry subject: the record's full name (RecordNameStrategy, docs/decisions/0001). */
  subject: string;
  /** The Avro schema as parsed JSON. */
  schema: object;
}

export type EventCatalog<Type extends string = string> = Record<Type, EventDefinition>;

/** Fields every Rivulet event starts with (docs/decisions/0001-event-model.md). */
export interface EventEnvelope<Payload = unknown> {
  eventId: string;
  tenantId: string;
  correlationId: string;
  occurredAt: number;
  payload: Payload;
}

/** Maps event type names to their value types; a catalogue's TypeScript face. */
export type EventMap = object;

export interface DecodedEvent<Events extends EventMap = EventMap, Type extends keyof Events & string = keyof Events & string> {
  type: Type;
  value: Events[Type];
  schemaId: number;
}

export type AnyDecodedEvent<Events extends EventMap> = {
  [Type in keyof Events & string]: DecodedEvent<Events, Type>;
}[keyof Events & string];
