// Every .avsc parses and follows the envelope and field conventions of docs/decisions/0001.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import { EVENT_NAMESPACE, EVENT_TYPES, EVENT_TYPE_NAMES, eventTypeForSubject, isEventType } from '../src/index.js';
import type { AvroField, AvroRecordSchema, AvroSchema } from '../src/index.js';
import * as values from '../src/values.js';

const avroDirectory = new URL('../avro/', import.meta.url);
const files = readdirSync(fileURLToPath(avroDirectory)).filter((name) => name.endsWith('.avsc')).sort();
const readSchema = (file: string): AvroRecordSchema => JSON.parse(readFileSync(new URL(file, avroDirectory), 'utf8')) as AvroRecordSchema;
const pascal = (kebab: string) => kebab.split('-').map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');

/** Every field of every record in a schema, with the record's name. */
const allFields = (schema: AvroSchema, owner = ''): { owner: string; field: AvroField }[] => {
  if (typeof schema === 'string') return [];
  if (Array.isArray(schema)) return (schema as readonly AvroSchema[]).flatMap((branch) => allFields(branch, owner));
  const node = schema as Exclude<AvroSchema, string | readonly AvroSchema[]>;
  switch (node.type) {
    case 'record':
      return node.fields.flatMap((field) => [{ owner: node.name, field }, ...allFields(field.type, node.name)]);
    case 'array':
      return allFields(node.items, owner);
    case 'map':
      return allFields(node.values, owner);
    default:
      return [];
  }
};

await test('schemas: one .avsc per catalogued event type and no other', () => {
  assert.deepEqual(files.map((file) => file.replace(/\.avsc$/, '')), [...EVENT_TYPE_NAMES]);
  assert.equal(files.length, 12);
});

for (const file of files) {
  const eventType = file.replace(/\.avsc$/, '');
  const schema = readSchema(file);

  await test(`${file}: parses with avsc`, () => {
    const type = avro.Type.forSchema(schema as Schema);
    assert.equal(type.name, `${EVENT_NAMESPACE}.${pascal(eventType)}`);
  });

  await test(`${file}: is catalogued under its record full name, with the file as its schema`, () => {
    assert.ok(isEventType(eventType));
    const spec = EVENT_TYPES[eventType];
    assert.equal(spec.subject, `dev.rivulet.events.${pascal(eventType)}`);
    assert.deepEqual(spec.schema, schema);
    assert.equal(eventTypeForSubject(spec.subject), eventType);
  });

  await test(`${file}: starts with the envelope and has nothing else at the top level`, () => {
    assert.equal(schema.namespace, 'dev.rivulet.events');
    assert.ok(schema.doc !== undefined && schema.doc.length > 0, 'the event record has a doc');
    const [eventId, tenantId, correlationId, occurredAt, payload, ...rest] = schema.fields;
    assert.deepEqual(rest, []);
    assert.deepEqual([eventId?.name, eventId?.type], ['eventId', 'string']);
    assert.deepEqual([tenantId?.name, tenantId?.type], ['tenantId', 'string']);
    assert.deepEqual([correlationId?.name, correlationId?.type], ['correlationId', 'string']);
    assert.deepEqual([occurredAt?.name, occurredAt?.type], ['occurredAt', { type: 'long', logicalType: 'timestamp-millis' }]);
    assert.equal(payload?.name, 'payload');
    const payloadType = payload.type as AvroRecordSchema;
    assert.equal(payloadType.type, 'record');
    assert.equal(payloadType.name, `${pascal(eventType)}Payload`);
  });

  await test(`${file}: optional fields are ["null", T] with default null, and every field is documented`, () => {
    for (const { owner, field } of allFields(schema)) {
      assert.ok(field.doc !== undefined && field.doc.length > 0, `${owner}.${field.name} has a doc`);
      if (Array.isArray(field.type)) {
        assert.equal(field.type.length, 2, `${owner}.${field.name}`);
        assert.equal(field.type[0], 'null', `${owner}.${field.name}`);
        assert.equal(field.default, null, `${owner}.${field.name} defaults to null`);
      }
    }
  });
}

await test('schemas: each named type is defined identically wherever it appears', () => {
  type Node = Type & { fields?: { type: Node }[]; types?: Node[]; itemsType?: Node; valuesType?: Node };
  const definitions = new Map<string, { file: string; definition: string }>();
  for (const file of files) {
    const visit = (node: Node) => {
      if (node.typeName === 'record' && node.name !== undefined) {
        const definition = JSON.stringify(node.schema({ exportAttrs: true }));
        const seen = definitions.get(node.name);
        if (seen) assert.equal(definition, seen.definition, `${node.name} differs between ${seen.file} and ${file}`);
        else definitions.set(node.name, { file, definition });
      }
      for (const child of [...(node.fields ?? []).map((field) => field.type), ...(node.types ?? []), node.itemsType, node.valuesType]) {
        if (child) visit(child);
      }
    };
    visit(avro.Type.forSchema(readSchema(file) as Schema));
  }
  for (const shared of ['ChatRequest', 'ReplyRoute', 'Chunk', 'Embedding', 'ErrorDetail', 'Source']) {
    assert.ok(definitions.has(`dev.rivulet.events.${shared}`), shared);
  }
});

await test('schemas: the string fields that stand in for enums document every known value', () => {
  const docOf = (file: string, record: string, field: string) =>
    allFields(readSchema(file)).find((entry) => entry.owner === record && entry.field.name === field)?.field.doc ?? '';
  const cases: [string, string, string, readonly string[]][] = [
    ['reply-end.avsc', 'ReplyEndPayload', 'status', values.REPLY_STATUSES],
    ['reply-end.avsc', 'ReplyEndPayload', 'finishReason', values.FINISH_REASONS],
    ['message-persisted.avsc', 'MessagePersistedPayload', 'role', values.MESSAGE_ROLES],
    ['chat-request-received.avsc', 'ChatTurn', 'role', values.MESSAGE_ROLES],
    ['document-received.avsc', 'DocumentReceivedPayload', 'operation', values.DOCUMENT_OPERATIONS],
    ['document-indexed.avsc', 'DocumentIndexedPayload', 'status', values.DOCUMENT_INDEX_STATUSES],
  ];
  for (const [file, record, field, known] of cases) {
    const doc = docOf(file, record, field);
    assert.ok(doc.length > 0, `${record}.${field} exists`);
    for (const value of known) assert.ok(doc.includes(`\`${value}\``), `${record}.${field} documents \`${value}\``);
  }
});
