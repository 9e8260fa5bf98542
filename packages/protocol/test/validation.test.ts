import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_FRAME_TYPES, isUsableId, parseClientFrame, type ClientFrame } from '../src/index.js';

// One frame of each type of the contract (PROTOCOL.md §1 and docs/protocol.md's additions), with every field.
const validFrames: ClientFrame[] = [
  { type: 'auth', token: 'rvt_key' },
  {
    type: 'chat', id: 'c1', message: 'What is Kafka?', conversationId: 'conv-1', model: 'auto', collection: 'docs', topK: 5,
    filters: { lang: 'en', year: 2024, draft: false }, rag: true, temperature: 0.2, maxOutputTokens: 256,
  },
  { type: 'chat', id: 'c2', message: 'minimal' },
  { type: 'ingest', id: 'i1', document: { id: 'doc-1', title: 'Kafka', text: 'Kafka is a log.' }, collection: 'docs', metadata: { source: 'wiki', rank: 1 } },
  { type: 'ingest', id: 'i2', document: { contentBase64: 'JVBERi0=', mime: 'application/pdf' } },
  { type: 'delete_document', id: 'd1', documentId: 'doc-1', collection: 'docs' },
  { type: 'cancel', id: 'c1' },
  { type: 'ping' },
];

test('every client frame of the contract parses, keeping its type, its id and its fields', () => {
  assert.deepEqual([...new Set(validFrames.map((frame) => frame.type))], [...CLIENT_FRAME_TYPES]);
  for (const frame of validFrames) {
    const result = parseClientFrame(JSON.stringify(frame));
    assert.ok(result.ok, `${frame.type} refused: ${JSON.stringify(result)}`);
    assert.equal(result.frame.type, frame.type);
    assert.equal(result.frame.id, 'id' in frame ? frame.id : undefined);
    assert.deepEqual(result.frame.body, frame);
  }
});

const refused = (text: string) => {
  const result = parseClientFrame(text);
  assert.ok(!result.ok, `accepted: ${text}`);
  assert.equal(result.refusal.code, 'invalid_request');
  return result.refusal;
};

test('a frame that is not JSON is refused as invalid_request without an id', () => {
  for (const text of ['not json', '{"type":"ping"', '']) {
    assert.deepEqual(refused(text), {
      code: 'invalid_request', id: undefined, message: 'The frame is not JSON; send one JSON object per text frame, e.g. {"type":"ping"}.',
    });
  }
});

test('JSON that is not an object is refused without an id', () => {
  for (const text of ['[]', '[{"type":"ping"}]', 'null', '42', '"ping"', 'true']) {
    assert.deepEqual(refused(text), { code: 'invalid_request', id: undefined, message: 'The frame must be a JSON object with a "type".' });
  }
});

test('a missing or unknown type is refused under the frame id, naming the types there are', () => {
  const expected = 'expected one of auth, chat, ingest, delete_document, cancel, ping.';
  assert.deepEqual(refused('{"id":"f1"}'), { code: 'invalid_request', id: 'f1', message: `Unknown frame type (missing); ${expected}` });
  assert.deepEqual(refused('{"id":"f2","type":7}'), { code: 'invalid_request', id: 'f2', message: `Unknown frame type (missing); ${expected}` });
  assert.deepEqual(refused('{"id":"f3","type":"subscribe"}'), { code: 'invalid_request', id: 'f3', message: `Unknown frame type ("subscribe"); ${expected}` });
  assert.deepEqual(refused('{"type":"CHAT"}'), { code: 'invalid_request', id: undefined, message: `Unknown frame type ("CHAT"); ${expected}` });
});

test('an unknown type is shown escaped and cut to 40 characters', () => {
  const refusal = refused(JSON.stringify({ type: `${'x'.repeat(50)}\u0001` }));
  assert.equal(refusal.message, `Unknown frame type ("${'x'.repeat(40)}…"); expected one of auth, chat, ingest, delete_document, cancel, ping.`);
});

test('an id that is not usable is not answered under (too long, empty, control characters, not a string)', () => {
  for (const id of ['x'.repeat(129), '', 'a\u0000b', 'tab\there', 'del\u007f', 42, null, { id: 'x' }]) {
    const result = parseClientFrame(JSON.stringify({ type: 'cancel', id }));
    assert.ok(result.ok);
    assert.equal(result.frame.id, undefined, `id ${JSON.stringify(id)}`);
    assert.equal(refused(JSON.stringify({ type: 'nope', id })).id, undefined);
  }
  assert.ok(isUsableId('x'.repeat(128)));
  assert.ok(isUsableId('ünïcode ok'));
});
