// A sample of every event survives an Avro encode and decode, the way the registry serde does it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import type { Schema } from 'avsc';
import { EVENT_TYPES, EVENT_TYPE_NAMES } from '../src/index.js';
import type { AvroRecordSchema, EventType } from '../src/index.js';
import { SAMPLES } from './samples.js';

const typeOf = (eventType: EventType) => avro.Type.forSchema(EVENT_TYPES[eventType].schema as Schema);

/** avsc decodes records as instances of generated classes; compare them as plain data. */
const plain = (value: unknown): unknown => {
  if (Buffer.isBuffer(value) || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
};

for (const eventType of EVENT_TYPE_NAMES) {
  await test(`round trip: ${eventType} sample is valid, encodes and decodes to the same value`, () => {
    const type = typeOf(eventType);
    const sample = SAMPLES[eventType];
    const errors: string[] = [];
    const valid = type.isValid(sample, { errorHook: (path: string[]) => errors.push(path.join('.')) });
    assert.ok(valid, `invalid at ${errors.join(', ')}`);
    const decoded: unknown = type.fromBuffer(type.toBuffer(sample));
    assert.deepStrictEqual(plain(decoded), plain(sample));
  });
}

await test('round trip: a sample missing a required field or with a wrong type is invalid', () => {
  const type = typeOf('chunk-embedded');
  const sample = SAMPLES['chunk-embedded'];
  const { tenantId: _tenantId, ...withoutTenant } = sample;
  assert.equal(type.isValid(withoutTenant), false);
  assert.equal(type.isValid({ ...sample, payload: { ...sample.payload, embedding: { ...sample.payload.embedding, vector: ['0.5'] } } }), false);
  assert.equal(type.isValid({ ...sample, occurredAt: new Date(sample.occurredAt) }), false, 'occurredAt is a number, not a Date');
});

await test('round trip: data written before an optional field existed reads with the field null (BACKWARD)', () => {
  const schema = EVENT_TYPES['reply-delta'].schema;
  const payloadField = schema.fields[4]!;
  const payload = payloadField.type as AvroRecordSchema;
  const older: AvroRecordSchema = {
    ...schema,
    fields: [...schema.fields.slice(0, 4), { ...payloadField, type: { ...payload, fields: payload.fields.filter((field) => field.name !== 'sources') } }],
  };
  const writer = avro.Type.forSchema(older as Schema);
  const reader = typeOf('reply-delta');
  const { sources: _sources, ...oldPayload } = SAMPLES['reply-delta'].payload;
  const bytes = writer.toBuffer({ ...SAMPLES['reply-delta'], payload: oldPayload });
  const decoded = reader.fromBuffer(bytes, reader.createResolver(writer)) as (typeof SAMPLES)['reply-delta'];
  assert.equal(decoded.payload.sources, null);
  assert.equal(decoded.payload.content, SAMPLES['reply-delta'].payload.content);
});
