import avro from 'avsc';
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import type { AnyDecodedEvent, EventCatalog, EventMap } from './catalog.js';
import { RivuletKafkaError } from './errors.js';

export interface EventCodecOptions<Events extends EventMap> {
  /** Confluent-compatible base URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  registryUrl: string;
  catalog: EventCatalog<keyof Events & string>;
  /** Compatibility set on each subject when first registered. */
  compatibility?: 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE' | 'FORWARD' | 'NONE';
}

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

interface ReaderFor {
  type: string;
  read: (body: Buffer) => unknown;
}

const isNotFound = (error: unknown): boolean => {
  const candidate = error as { status?: number; message?: string };
  return candidate.status === 404 || /not found|40403|40401/i.test(candidate.message ?? '');
};

/**
 * Encodes and decodes events in the Confluent wire format (magic byte 0, 4-byte schema
 * id, Avro body) through the schema registry. Schemas are registered once per process
 * (lazily, memoised), decoders are resolved once per writer schema id: old events are
 * read into the current schema's shape (BACKWARD evolution).
 */
export class EventCodec<Events extends EventMap = EventMap> {
  readonly registry: SchemaRegistry;
  private readonly catalog: EventCatalog<keyof Events & string>;
  private readonly compatibility: COMPATIBILITY;
  private readonly writerTypes = new Map<string, avro.Type>();
  private readonly schemaIds = new Map<string, Promise<number>>();
  private readonly readers = new Map<number, Promise<ReaderFor>>();
  private readonly typeBySubject = new Map<string, keyof Events & string>();

  constructor({ registryUrl, catalog, compatibility = 'BACKWARD' }: EventCodecOptions<Events>) {
    this.registry = new SchemaRegistry({ host: registryUrl, retry: { retries: 2, initialRetryTimeInSecs: 0.2 } });
    this.catalog = catalog;
    this.compatibility = COMPATIBILITY[compatibility];
    for (const [type, definition] of Object.entries(catalog) as [keyof Events & string, { subject: string; schema: object }][]) {
      this.writerTypes.set(type, avro.Type.forSchema(definition.schema as avro.Schema));
      this.typeBySubject.set(definition.subject, type);
    }
  }

  get eventTypes(): (keyof Events & string)[] {
    return [...this.writerTypes.keys()] as (keyof Events & string)[];
  }

  /** Registers every schema of the catalogue; returns the schema id of each event type. */
  async registerAll(): Promise<Record<string, number>> {
    const ids: Record<string, number> = {};
    for (const type of this.eventTypes) ids[type] = await this.schemaId(type);
    return ids;
  }

  /** The registered id of an event type's current schema (registers it on first use). */
  schemaId(type: keyof Events & string): Promise<number> {
    let id = this.schemaIds.get(type);
    if (!id) {
      id = this.register(type);
      this.schemaIds.set(type, id);
      id.catch(() => this.schemaIds.delete(type));
    }
    return id;
  }

  async encode<Type extends keyof Events & string>(type: Type, value: Events[Type]): Promise<Buffer> {
    const writer = this.writerTypes.get(type);
    if (!writer) throw new RivuletKafkaError('unknown_event_type', `Event type "${type}" is not in the catalogue`);
    const id = await this.schemaId(type);
    let body: Buffer;
    try {
      body = writer.toBuffer(value);
    } catch (error) {
      const paths: string[] = [];
      writer.isValid(value, { errorHook: (path) => paths.push(path.join('.') || '(root)') });
      throw new RivuletKafkaError('encode_failed', `Event "${type}" does not match its schema at: ${paths.join(', ') || 'unknown path'}`, { cause: error });
    }
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(MAGIC_BYTE, 0);
    header.writeInt32BE(id, 1);
    return Buffer.concat([header, body]);
  }

  async decode(buffer: Buffer | null): Promise<AnyDecodedEvent<Events>> {
    if (!buffer || buffer.length < HEADER_BYTES || buffer.readUInt8(0) !== MAGIC_BYTE) {
      throw new RivuletKafkaError('decode_failed', 'Not a schema-registry framed Avro message (missing magic byte 0 and schema id)');
    }
    const schemaId = buffer.readInt32BE(1);
    const reader = await this.readerFor(schemaId);
    let value: unknown;
    try {
      value = reader.read(buffer.subarray(HEADER_BYTES));
    } catch (error) {
      throw new RivuletKafkaError('decode_failed', `Avro body does not decode with schema ${schemaId}: ${(error as Error).message}`, { cause: error });
    }
    return { type: reader.type, value, schemaId } as AnyDecodedEvent<Events>;
  }

  private async register(type: keyof Events & string): Promise<number> {
    const definition = this.catalog[type];
    try {
      const { id } = await this.registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(definition.schema) },
        { subject: definition.subject, compatibility: this.compatibility },
      );
      return id;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 409) {
        throw new RivuletKafkaError('incompatible_schema', `Schema of "${type}" is incompatible with subject ${definition.subject}: ${(error as Error).message}`, { cause: error });
      }
      throw new RivuletKafkaError('registry_unavailable', `Could not register "${type}" (${definition.subject}): ${(error as Error).message}`, { retriable: true, cause: error });
    }
  }

  private readerFor(schemaId: number): Promise<ReaderFor> {
    let reader = this.readers.get(schemaId);
    if (!reader) {
      reader = this.loadReader(schemaId);
      this.readers.set(schemaId, reader);
      // A registry outage must not poison the cache; a missing schema stays missing.
      reader.catch((error: unknown) => {
        if ((error as RivuletKafkaError).retriable) this.readers.delete(schemaId);
      });
    }
    return reader;
  }

  private async loadReader(schemaId: number): Promise<ReaderFor> {
    let writer: avro.Type;
    try {
      writer = (await this.registry.getSchema(schemaId)) as unknown as avro.Type;
    } catch (error) {
      if (isNotFound(error)) {
        throw new RivuletKafkaError('unknown_schema', `Schema id ${schemaId} is unknown to the registry`, { cause: error });
      }
      throw new RivuletKafkaError('registry_unavailable', `Schema registry did not answer for schema id ${schemaId}: ${(error as Error).message}`, { retriable: true, cause: error });
    }
    const type = writer.name ? this.typeBySubject.get(writer.name) : undefined;
    if (!type) {
      throw new RivuletKafkaError('unknown_event_type', `Schema id ${schemaId} (${writer.name ?? 'anonymous'}) is not an event this consumer knows`);
    }
    const readerType = this.writerTypes.get(type)!;
    if (readerType.equals(writer)) return { type, read: (body): unknown => readerType.fromBuffer(body) as unknown };
    const resolver = readerType.createResolver(writer);
    return { type, read: (body): unknown => readerType.fromBuffer(body, resolver) as unknown };
  }
}
