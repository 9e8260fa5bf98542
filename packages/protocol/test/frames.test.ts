import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CODES, isErrorCode, isTerminal, RETRYABLE_BY_CODE, type ClientFrame, type ServerFrame } from '../src/index.js';

// These assignments are checked by `npm run typecheck`: each @ts-expect-error fails the check if the
// union ever accepts the frame, so a frame outside the contract cannot be sent by the server or a client.
test('the frame unions refuse frames outside the contract', () => {
  // @ts-expect-error an unknown frame type
  const unknownType: ServerFrame = { type: 'progress', id: 'c1' };
  // @ts-expect-error a delta without its seq
  const deltaWithoutSeq: ServerFrame = { type: 'delta', id: 'c1', content: 'text' };
  // @ts-expect-error an error code that is not the contract's
  const foreignCode: ServerFrame = { type: 'error', code: 'oops', message: 'm', retryable: false };
  // @ts-expect-error the wire spelling is `retryable`
  const otherSpelling: ServerFrame = { type: 'error', code: 'internal', message: 'm', retriable: true };
  // @ts-expect-error a chat without its message
  const chatWithoutMessage: ClientFrame = { type: 'chat', id: 'c1' };
  assert.ok([unknownType, deltaWithoutSeq, foreignCode, otherSpelling, chatWithoutMessage].every((frame) => typeof frame.type === 'string'));
});

test('the error codes are PROTOCOL.md §3, each with what retryable says', () => {
  assert.deepEqual([...ERROR_CODES], [
    'unauthorized', 'invalid_request', 'payload_too_large', 'rate_limited', 'budget_exceeded',
    'not_found', 'provider_unavailable', 'cancelled', 'timeout', 'internal',
  ]);
  assert.deepEqual(Object.keys(RETRYABLE_BY_CODE), [...ERROR_CODES]);
  assert.equal(RETRYABLE_BY_CODE.invalid_request, false);
  assert.equal(RETRYABLE_BY_CODE.rate_limited, true);
  assert.equal(RETRYABLE_BY_CODE.budget_exceeded, 'varies');
  assert.ok(isErrorCode('timeout'));
  assert.ok(!isErrorCode('expired'), 'v1.1 codes are not sent yet');
});

test('done and error are the terminal frames of a chat', () => {
  const frames: ServerFrame[] = [
    { type: 'ack', id: 'c', requestId: 'r', conversationId: 'k' },
    { type: 'delta', id: 'c', seq: 0, content: 'a' },
    { type: 'error', id: 'c', code: 'cancelled', message: 'Cancelled at your request.', retryable: false },
  ];
  assert.deepEqual(frames.map(isTerminal), [false, false, true]);
});
