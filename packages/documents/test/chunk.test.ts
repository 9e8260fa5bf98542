import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { chunkText, type Chunk, type ChunkOptions, type Tokenizer } from '../src/index.js';
import { createRandom, randomDocument, randomNoise } from './helpers/random-text.js';
import { createTestTokenizer } from './helpers/tokenizers.js';

/** Every promise chunkText makes, checked on one text. */
const checkChunks = (text: string, chunks: readonly Chunk[], options: ChunkOptions, label: string): void => {
  const covered = new Uint8Array(text.length);
  let previous: Chunk | undefined;
  for (const [index, chunk] of chunks.entries()) {
    assert.equal(chunk.index, index, label);
    assert.equal(chunk.text, text.slice(chunk.startOffset, chunk.endOffset), label);
    assert.ok(chunk.text.length > 0 && chunk.text.trim() === chunk.text, `${label}: chunk ${index} is trimmed and not empty`);
    const count = options.tokenizer.countTokens(chunk.text);
    assert.equal(chunk.tokenCount, count, label);
    assert.ok(count <= options.maxTokens, `${label}: chunk ${index} has ${count} > ${options.maxTokens} tokens`);
    assert.equal(chunk.contentHash, `sha256:${createHash('sha256').update(chunk.text).digest('hex')}`, label);
    if (previous) {
      assert.ok(chunk.startOffset > previous.startOffset && chunk.endOffset > previous.endOffset, `${label}: chunk ${index} moves forward`);
    }
    covered.fill(1, chunk.startOffset, chunk.endOffset);
    previous = chunk;
  }
  for (let position = 0; position < text.length; position++) {
    if (!covered[position]) assert.match(text[position]!, /\s/, `${label}: character ${position} (${JSON.stringify(text[position])}) is in no chunk`);
  }
};

const optionSets = (tokenizer: Tokenizer): ChunkOptions[] => [
  { tokenizer, maxTokens: 256 },
  { tokenizer, maxTokens: 64, targetTokens: 40, overlapTokens: 8 },
  { tokenizer, maxTokens: 32, targetTokens: 32, overlapTokens: 0 },
  { tokenizer, maxTokens: 12, targetTokens: 6, overlapTokens: 2 },
];

test('property: no text lost, no chunk over maxTokens, offsets exact (random documents and noise)', () => {
  const tokenizer = createTestTokenizer();
  const random = createRandom(20_250_101);
  for (let round = 0; round < 250; round++) {
    const text = round % 5 === 4 ? randomNoise(random) : randomDocument(random);
    for (const options of optionSets(tokenizer)) {
      checkChunks(text, chunkText(text, options), options, `round ${round}, maxTokens ${options.maxTokens}`);
    }
  }
});

test('property: holds for a tokenizer whose offsets include leading spaces, and one whose counts disagree with its offsets', () => {
  const random = createRandom(7);
  const tokenizers = [createTestTokenizer({ leadingSpace: true, pieceLength: 3 }), createTestTokenizer({ extraEvery: 5, specialTokens: 1 })];
  for (let round = 0; round < 100; round++) {
    const text = round % 4 === 3 ? randomNoise(random) : randomDocument(random);
    for (const tokenizer of tokenizers) {
      for (const options of optionSets(tokenizer)) checkChunks(text, chunkText(text, options), options, `round ${round}`);
    }
  }
});

test('empty and whitespace-only text gives no chunks', () => {
  const tokenizer = createTestTokenizer();
  for (const text of ['', ' ', '\n\n\t \u00a0\u3000 \r\n']) assert.deepEqual(chunkText(text, { tokenizer, maxTokens: 16 }), []);
});

test('a short text is one chunk, trimmed', () => {
  const tokenizer = createTestTokenizer();
  const chunks = chunkText('\n  Hello, world.  \n', { tokenizer, maxTokens: 16 });
  assert.deepEqual(chunks.map(({ text, startOffset, endOffset, tokenCount }) => ({ text, startOffset, endOffset, tokenCount })),
    [{ text: 'Hello, world.', startOffset: 3, endOffset: 16, tokenCount: 8 }]); // Hell ##o , worl ##d . and 2 special tokens
});

test('deterministic: the same text and options give the same chunks, with a fresh tokenizer too', () => {
  const text = randomDocument(createRandom(99)).repeat(5);
  const first = chunkText(text, { tokenizer: createTestTokenizer(), maxTokens: 64 });
  assert.ok(first.length > 3);
  assert.deepEqual(chunkText(text, { tokenizer: createTestTokenizer(), maxTokens: 64 }), first);
});

/** Short paragraphs of short sentences, numbered so that every chunk can be checked. */
const paragraphs = (count: number, sentencesEach: number): string =>
  Array.from({ length: count }, (_, paragraph) =>
    Array.from({ length: sentencesEach }, (_, sentence) => `Paragraph ${paragraph} sentence ${sentence} says something plain.`).join(' ')).join('\n\n');

test('short paragraphs: every chunk ends at a paragraph end', () => {
  const tokenizer = createTestTokenizer();
  const text = paragraphs(40, 2); // about 20 tokens a paragraph
  const chunks = chunkText(text, { tokenizer, maxTokens: 256, targetTokens: 128, overlapTokens: 0 });
  assert.ok(chunks.length >= 5, `${chunks.length} chunks`);
  for (const chunk of chunks) {
    assert.ok(chunk.endOffset === text.length || text.startsWith('\n\n', chunk.endOffset), `chunk ${chunk.index} ends mid-paragraph: ...${chunk.text.slice(-30)}`);
    assert.ok(chunk.startOffset === 0 || text.slice(chunk.startOffset - 2, chunk.startOffset) === '\n\n', `chunk ${chunk.index} starts mid-paragraph`);
    assert.ok(chunk.tokenCount >= 64 || chunk.endOffset === text.length, `chunk ${chunk.index} is well filled (${chunk.tokenCount})`);
  }
});

test('a chunk does not end between a heading and its text', () => {
  const tokenizer = createTestTokenizer();
  const text = Array.from({ length: 30 }, (_, section) =>
    `Section ${section} heading\n\nThe first paragraph of section ${section} is short.\n\nIts second paragraph is short too.`).join('\n\n');
  const chunks = chunkText(text, { tokenizer, maxTokens: 128, targetTokens: 60, overlapTokens: 0 });
  assert.ok(chunks.length >= 5);
  for (const chunk of chunks) {
    assert.ok(!/heading$/.test(chunk.text), `chunk ${chunk.index} ends with a heading`);
    assert.ok(chunk.endOffset === text.length || text.startsWith('\n\n', chunk.endOffset), `chunk ${chunk.index} ends at a paragraph end`);
  }
});

test('one long paragraph: chunks end at sentence ends, and the overlap is whole sentences', () => {
  const tokenizer = createTestTokenizer();
  const text = paragraphs(1, 60);
  const overlapTokens = 20;
  const chunks = chunkText(text, { tokenizer, maxTokens: 128, targetTokens: 100, overlapTokens });
  assert.ok(chunks.length >= 5);
  for (const [index, chunk] of chunks.entries()) {
    assert.match(chunk.text, /^Paragraph 0 sentence \d+ .*plain\.$/s, `chunk ${index} holds whole sentences`);
    const next = chunks[index + 1];
    if (!next) continue;
    assert.ok(next.startOffset < chunk.endOffset, `chunk ${index + 1} overlaps chunk ${index}`);
    const repeated = text.slice(next.startOffset, chunk.endOffset);
    assert.ok(tokenizer.countTokens(repeated) - 2 <= overlapTokens, `overlap of ${repeated.length} characters is within ${overlapTokens} tokens`);
  }
});

test('a sentence longer than maxTokens is cut between words', () => {
  const tokenizer = createTestTokenizer();
  const words = Array.from({ length: 1_000 }, (_, index) => `word${index}`);
  const text = words.join(' ');
  const chunks = chunkText(text, { tokenizer, maxTokens: 50, targetTokens: 40, overlapTokens: 5 });
  for (const chunk of chunks) {
    assert.ok(chunk.tokenCount <= 50);
    assert.ok(chunk.startOffset === 0 || text[chunk.startOffset - 1] === ' ', `chunk ${chunk.index} starts at a word`);
    assert.ok(chunk.endOffset === text.length || text[chunk.endOffset] === ' ', `chunk ${chunk.index} ends at a word`);
  }
  checkChunks(text, chunks, { tokenizer, maxTokens: 50 }, 'long sentence');
});

test('sentences of other scripts are found (Intl.Segmenter), and abbreviations do not end sentences', () => {
  const tokenizer = createTestTokenizer({ pieceLength: 1 });
  const text = Array.from({ length: 30 }, (_, index) => `東京は大きな都市です${index}。`).join('');
  for (const chunk of chunkText(text, { tokenizer, maxTokens: 40, targetTokens: 30, overlapTokens: 0 })) assert.ok(chunk.text.endsWith('。'), chunk.text);
  const english = Array.from({ length: 20 }, (_, index) => `Dr. Smith met Mr. Jones on day ${index}, e.g. at noon.`).join(' ');
  for (const chunk of chunkText(english, { tokenizer: createTestTokenizer(), maxTokens: 64, targetTokens: 40, overlapTokens: 0 })) {
    assert.match(chunk.text, /^Dr\. Smith.*noon\.$/s, chunk.text);
  }
});

test('invalid options are a RangeError', () => {
  const tokenizer = createTestTokenizer({ specialTokens: 2 });
  assert.throws(() => chunkText('some text', { tokenizer, maxTokens: 2 }), /no room beside the model's 2 special tokens/);
  assert.throws(() => chunkText('some text', { tokenizer, maxTokens: 0 }), RangeError);
  assert.throws(() => chunkText('some text', { tokenizer, maxTokens: 100, targetTokens: 200 }), RangeError);
  assert.throws(() => chunkText('some text', { tokenizer, maxTokens: 100, targetTokens: 50, overlapTokens: 30 }), RangeError);
});

test('speed: a 2,000-word document is chunked in a few milliseconds', () => {
  const tokenizer = createTestTokenizer();
  const random = createRandom(2_000);
  const vocabulary = ['event', 'stream', 'consumer', 'offset', 'partition', 'embedding', 'retrieval', 'the', 'of', 'and', 'a', 'model', 'international', 'throughput'];
  const sentences: string[] = [];
  let words = 0;
  while (words < 2_000) {
    const length = 8 + random.integer(20);
    words += length;
    sentences.push(`${Array.from({ length }, () => random.pick(vocabulary)).join(' ')}.`);
  }
  const text = sentences.map((sentence, index) => (index % 5 === 4 ? `${sentence}\n\n` : `${sentence} `)).join('').trim();
  const options = { tokenizer, maxTokens: 256 };
  chunkText(text, options);
  const runs = 50;
  const timings: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    chunkText(text, options);
    timings.push(performance.now() - started);
  }
  timings.sort((left, right) => left - right);
  const median = timings[runs / 2]!;
  const chunks = chunkText(text, options);
  console.log(`chunkText on ${words} words (${text.length} characters, ${chunks.length} chunks): median ${median.toFixed(2)} ms, max ${timings.at(-1)!.toFixed(2)} ms`);
  assert.ok(median < 20, `median ${median} ms`);
});
