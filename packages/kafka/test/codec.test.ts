import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCompatibility, EventCodec, type RivuletKafkaError } from '../src/index.js';
import { testCatalog, thingCreated, type TestEvents } from './support/catalog.js';
import { environment, uniqueName } from './support/environment.js';

const namespace = `dev.rivulet.test.${uniqueName('codec').replace(/-/g, '_')}`;
const catalog = testCatalog(namespace);
const codec = new EventCodec<TestEvents>({ registryUrl: environment.registryUrl, catalog });


test('an event survives the round trip through the registry in the Confluent wire format', async () => {
  const event = thingCreated(7);
  const encoded = await codec.encode('thing-created', event);
  assert.equal(encoded.readUInt8(0), 0, 'magic byte');
  const schemaId = encoded.readInt32BE(1);
  assert.equal(schemaId, await codec.schemaId('thing-created'));

  // A second process (its own codec, empty caches) reads it back through the registry.
  const reader = new EventCodec<TestEvents>({ registryUrl: environment.registryUrl, catalog });
  const decoded = await reader.decode(encoded);
  assert.equal(decoded.type, 'thing-created');
  assert.equal(decoded.schemaId, schemaId);
  assert.deepEqual({ ...decoded.value, payload: { ...decoded.value.payload } }, event);
});

test('a schema change that breaks BACKWARD compatibility is rejected by the registry', async () => {
  await codec.registerAll();
  const breaking = structuredClone(catalog);
  const schema = breaking['thing-created'].schema as { fields: { name: string; type: unknown }[] };
  const payload = schema.fields.find((field) => field.name === 'payload')!.type as { fields: object[] };
  payload.fields.push({ name: 'mandatoryNewField', type: 'string' });

  const report = await checkCompatibility(environment.registryUrl, breaking);
  assert.equal(report.find((entry) => entry.eventType === 'thing-created')?.status, 'incompatible');
  assert.equal(report.find((entry) => entry.eventType === 'thing-processed')?.status, 'compatible');

  const breakingCodec = new EventCodec<TestEvents>({ registryUrl: environment.registryUrl, catalog: breaking });
  await assert.rejects(breakingCodec.schemaId('thing-created'), (error: RivuletKafkaError) => error.code === 'incompatible_schema');
});

test('an event written with an older schema is read in the current shape (BACKWARD evolution)', async () => {
  const old = await codec.encode('thing-created', thingCreated(1));
  const evolved = structuredClone(catalog);
  const schema = evolved['thing-created'].schema as { fields: { name: string; type: unknown }[] };
  const payload = schema.fields.find((field) => field.name === 'payload')!.type as { fields: object[] };
  payload.fields.push({ name: 'color', type: 'string', default: 'blue' });
  const newer = new EventCodec<TestEvents>({ registryUrl: environment.registryUrl, catalog: evolved });
  await newer.registerAll();

  const decoded = await newer.decode(old);
  assert.equal((decoded.value.payload as unknown as { color: string }).color, 'blue');
  assert.equal(decoded.schemaId, old.readInt32BE(1), 'the writer schema id is kept');
});

test('bytes that are not framed Avro, or name an unknown schema id, fail with a specific code', async () => {
  await assert.rejects(codec.decode(Buffer.from('{"json":"not avro"}')), (error: RivuletKafkaError) => error.code === 'decode_failed' && !error.retriable);
  const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2, 3]);
  await assert.rejects(codec.decode(unknownId), (error: RivuletKafkaError) => error.code === 'unknown_schema' && !error.retriable);
  const truncated = (await codec.encode('thing-created', thingCreated(3))).subarray(0, 12);
  await assert.rejects(codec.decode(truncated), (error: RivuletKafkaError) => error.code === 'decode_failed');
});

test('an event that does not match its schema is refused before it reaches Kafka, naming the field', async () => {
  const bad = { ...thingCreated(4), payload: { thingId: 'x', sequence: 'four' } } as unknown as TestEvents['thing-created'];
  await assert.rejects(codec.encode('thing-created', bad), (error: RivuletKafkaError) => error.code === 'encode_failed' && /payload\.sequence/.test(error.message));
});
