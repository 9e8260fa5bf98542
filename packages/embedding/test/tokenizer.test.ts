import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadWordPieceTokenizer } from '../src/index.js';
import { modelDirectory, reference } from './support/reference.js';

const tokenizer = await loadWordPieceTokenizer({ modelDirectory });
/** Line n of vocab.txt is the token of id n. */
const vocabulary = (await readFile(join(modelDirectory, 'vocab.txt'), 'utf8')).split('\n');

test('ids and offsets equal those of Hugging Face tokenizers (Rust) for ASCII, accents, CJK, Hangul, emoji, Greek and control characters', () => {
  for (const expected of reference.tokenized) {
    const actual = tokenizer.tokenize(expected.text);
    assert.deepEqual(actual.ids, expected.ids, `ids of ${JSON.stringify(expected.text)}`);
    assert.deepEqual(actual.offsets, expected.offsets, `offsets of ${JSON.stringify(expected.text)}`);
  }
});

test('each offset slices out the characters of its token (ASCII, accented and CJK text)', () => {
  const texts = [
    'The quick brown fox jumps over the lazy dog; antidisestablishmentarianism!',
    'Déjà vu: the naïve café owner’s résumé was Über-long.',
    '東京は日本の首都です。北京是中国的首都。',
    'Mixed: Kafka 分区 partitions, façade and 😀 emoji.',
  ];
  // What the BERT normaliser does to these characters: NFD, drop combining marks, lower case.
  const normalise = (text: string) => text.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase();
  for (const text of texts) {
    const { ids, offsets } = tokenizer.tokenize(text);
    assert.equal(ids.length, offsets.length);
    let previousEnd = 0;
    let between = '';
    offsets.forEach(([start, end], index) => {
      assert.ok(start < end && start >= previousEnd, `token ${index} of ${JSON.stringify(text)} at [${start}, ${end})`);
      between += text.slice(previousEnd, start);
      previousEnd = end;
      const token = vocabulary[ids[index]!]!;
      if (token === '[UNK]') assert.match(text.slice(start, end), /^\S+$/u, 'an unknown token covers one whole word');
      else assert.equal(normalise(text.slice(start, end)), token.replace(/^##/, ''), `token ${index} of ${JSON.stringify(text)}`);
    });
    between += text.slice(previousEnd);
    assert.match(between, /^[\s]*$/u, `only whitespace between the tokens of ${JSON.stringify(text)}: no text is lost`);
  }
});

test('countTokens counts the special tokens the model sees; the model input is [CLS] pieces [SEP]', () => {
  assert.equal(tokenizer.countTokens(''), 2);
  assert.deepEqual(tokenizer.modelInputIds(''), [101, 102]);
  const text = 'Kafka partitions are ordered.';
  assert.equal(tokenizer.countTokens(text), tokenizer.tokenize(text).ids.length + 2);
  assert.deepEqual(tokenizer.modelInputIds(text), [101, ...tokenizer.tokenize(text).ids, 102]);
  for (const embedded of reference.embeddings) assert.equal(tokenizer.countTokens(embedded.text), embedded.tokenCount, embedded.text);
});

test('a long text is tokenised whole: the tokenizer never truncates', () => {
  const text = 'streaming '.repeat(1000);
  assert.equal(tokenizer.countTokens(text), 1002);
  const { offsets } = tokenizer.tokenize(text);
  assert.deepEqual(offsets.at(-1), [9990, 9999]);
});

test('tokenising is fast: 200 texts of ~100 words well within a second', () => {
  const text = 'Event-driven backends keep a durable, ordered log: producers append, consumers read at their own pace and commit offsets. '.repeat(6);
  const started = performance.now();
  for (let index = 0; index < 200; index++) tokenizer.tokenize(`${text} ${index}`);
  const elapsedMs = performance.now() - started;
  assert.ok(elapsedMs < 1000, `200 texts took ${elapsedMs.toFixed(0)} ms`);
});
