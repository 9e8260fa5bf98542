import assert from 'node:assert/strict';
import { test } from 'node:test';
import { truncateToTokens } from '../quality/retrieval.js';
import { createRandom } from '../support/random.js';
import { chunkSizedText, markdownDocument } from '../support/text.js';

// A stand-in tokenizer: one token per word, plus [CLS] and [SEP].
const words = {
  tokenize: (text: string) => {
    const offsets: [number, number][] = [];
    for (const match of text.matchAll(/\S+/g)) offsets.push([match.index, match.index + match[0].length]);
    return { ids: offsets.map((_, index) => index), offsets };
  },
  countTokens: (text: string) => (text.match(/\S+/g)?.length ?? 0) + 2,
};

test('documents are deterministic for a seed, different across seeds, and about the size asked', () => {
  const first = markdownDocument(createRandom('seed-a'), 2000);
  assert.deepEqual(markdownDocument(createRandom('seed-a'), 2000), first);
  assert.notEqual(markdownDocument(createRandom('seed-b'), 2000).markdown, first.markdown);
  assert.ok(first.words >= 2000 && first.words < 2400, `${first.words} words`);
  assert.match(first.markdown, /^# .+\n\n/);
  assert.match(first.markdown, /\n## /);
});

test('chunk-sized texts land in the token range', () => {
  const random = createRandom('chunks');
  for (let index = 0; index < 50; index++) {
    const count = words.countTokens(chunkSizedText(random, words.countTokens, 30, 40));
    assert.ok(count >= 30 && count <= 40, `${count} tokens`);
  }
});

test('truncation keeps the longest prefix within the limit, special tokens included', () => {
  assert.deepEqual(truncateToTokens(words, 'a b c', 5), { text: 'a b c', truncated: false });
  assert.deepEqual(truncateToTokens(words, 'one two three four five', 5), { text: 'one two three', truncated: true });
});
