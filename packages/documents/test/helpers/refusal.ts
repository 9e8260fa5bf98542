import assert from 'node:assert/strict';
import { DocumentError, type DocumentErrorCode } from '../../src/index.js';

/** An `assert.rejects` matcher: a DocumentError with this code, not retriable, its message matching `pattern`. */
export const refusal = (code: DocumentErrorCode, pattern?: RegExp) => (error: unknown): boolean => {
  assert.ok(error instanceof DocumentError, `expected a DocumentError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.retriable, false);
  if (pattern) assert.match(error.message, pattern);
  return true;
};
