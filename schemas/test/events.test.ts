// The catalogue's types: what a handler typed with them can and cannot do. Most of the checking
// here happens in `tsc -p tsconfig.check.json`; the runtime assertions keep the file honest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_TYPES, EVENT_TYPE_NAMES, eventTypeForSubject, isEventType } from '../src/index.js';
import type { EventEnvelope, EventPayloads, EventType, RivuletEvent } from '../src/index.js';
import { SAMPLES } from './samples.js';

/** The shape @rivulet/kafka gives handlers: events of some types in, events of others out. */
type Handler<In extends EventType, Out extends EventType> = (event: RivuletEvent<In>) => Promise<RivuletEvent<Out>[]>;

const embedChunk: Handler<'chunk-created', 'chunk-embedded'> = (event) =>
  Promise.resolve([{ ...event, type: 'chunk-embedded', payload: { chunk: event.payload.chunk, embedding: SAMPLES['chunk-embedded'].payload.embedding } }]);

const describeReply = (event: RivuletEvent<'reply-delta' | 'reply-end'>): string =>
  event.type === 'reply-delta' ? `delta ${event.payload.seq}` : `end ${event.payload.status}`;

await test('catalogue: twelve event types, each found again by its subject', () => {
  assert.equal(EVENT_TYPE_NAMES.length, 12);
  for (const type of EVENT_TYPE_NAMES) {
    assert.equal(EVENT_TYPES[type].type, type);
    assert.equal(eventTypeForSubject(EVENT_TYPES[type].subject), type);
  }
  assert.equal(eventTypeForSubject('dev.rivulet.events.Unknown'), undefined);
  assert.equal(isEventType('toString'), false);
  assert.equal(isEventType('chunk-created'), true);
});

await test('catalogue: handlers are typed by event type and unions narrow on `type`', async () => {
  const [output] = await embedChunk({ ...SAMPLES['chunk-created'], type: 'chunk-created' });
  assert.equal(output?.type, 'chunk-embedded');
  assert.equal(output?.payload.embedding.dimension, 4);
  assert.equal(describeReply({ ...SAMPLES['reply-delta'], type: 'reply-delta' }), 'delta 0');
  assert.equal(describeReply({ ...SAMPLES['reply-end'], type: 'reply-end' }), 'end error');
  // @ts-expect-error a chunk-created event cannot be tagged chunk-embedded
  const wrong: RivuletEvent<'chunk-created'> = { ...SAMPLES['chunk-created'], type: 'chunk-embedded' };
  assert.equal(wrong.type, 'chunk-embedded');
});

await test('catalogue: every record has the envelope shape', () => {
  const envelopes: { [K in EventType]: EventEnvelope<EventPayloads[K]> } = SAMPLES;
  for (const type of EVENT_TYPE_NAMES) assert.equal(typeof envelopes[type].occurredAt, 'number');
});
