import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snippetOf, SNIPPET_LENGTH } from '../src/index.js';

test('a short text is its own snippet, whitespace collapsed', () => {
  assert.equal(snippetOf('  Rotate   your keys\n\nevery   quarter. '), 'Rotate your keys every quarter.');
});

test('a long text is cut at the last word boundary within the limit, with an ellipsis', () => {
  const words = Array.from({ length: 100 }, (_, index) => `word${index}`).join(' ');
  const snippet = snippetOf(words);
  assert.ok(snippet.endsWith('…'));
  const body = snippet.slice(0, -1);
  assert.ok(body.length <= SNIPPET_LENGTH && body.length > SNIPPET_LENGTH - 10, `${body.length} characters`);
  assert.ok(words.startsWith(`${body} `), 'ends at a whole word');
});

test('text without spaces is cut at the limit, never inside a surrogate pair', () => {
  assert.equal(snippetOf('x'.repeat(500)), `${'x'.repeat(SNIPPET_LENGTH)}…`);
  const emoji = `${'a'.repeat(SNIPPET_LENGTH - 1)}😀😀😀`;
  const snippet = snippetOf(emoji);
  assert.equal(snippet, `${'a'.repeat(SNIPPET_LENGTH - 1)}…`);
  assert.doesNotThrow(() => encodeURIComponent(snippet), 'no lone surrogate');
});
