import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { chunkText, type Tokenizer } from '../src/index.js';
import { createRandom, randomDocument } from './helpers/random-text.js';

/**
 * Optional: the chunker with the real model tokenizer from @rivulet/embedding (not a dependency of this
 * package, hence the dynamic import) on the model that `rivulet infra up` downloads. Skipped when either
 * is missing.
 */
const modelDirectory = fileURLToPath(new URL('../../../.rivulet/models/all-minilm-l6-v2', import.meta.url));
type EmbeddingPackage = { loadWordPieceTokenizer(options: { modelDirectory: string }): Promise<Tokenizer> };
const embeddingPackage = '@rivulet/embedding';
const loaded = existsSync(`${modelDirectory}/tokenizer.json`)
  ? await (import(embeddingPackage) as Promise<EmbeddingPackage>).then((module) => module.loadWordPieceTokenizer({ modelDirectory })).catch(() => undefined)
  : undefined;

test('with the real all-MiniLM-L6-v2 tokenizer: no chunk over 256 tokens, no text lost', { skip: loaded ? false : 'model or @rivulet/embedding not available' }, () => {
  const tokenizer = loaded!;
  const random = createRandom(314);
  for (let round = 0; round < 40; round++) {
    const text = randomDocument(random);
    for (const maxTokens of [256, 64]) {
      const chunks = chunkText(text, { tokenizer, maxTokens });
      const covered = new Uint8Array(text.length);
      for (const chunk of chunks) {
        assert.equal(chunk.text, text.slice(chunk.startOffset, chunk.endOffset));
        assert.equal(chunk.tokenCount, tokenizer.countTokens(chunk.text));
        assert.ok(chunk.tokenCount <= maxTokens, `${chunk.tokenCount} > ${maxTokens}`);
        covered.fill(1, chunk.startOffset, chunk.endOffset);
      }
      for (let position = 0; position < text.length; position++) if (!covered[position]) assert.match(text[position]!, /\s/);
    }
  }
  const words = Array.from({ length: 2_000 }, (_, index) => (index % 15 === 14 ? 'consumers.' : ['events', 'flow', 'through', 'kafka', 'to'][index % 5]!));
  const text = words.join(' ');
  const started = performance.now();
  const chunks = chunkText(text, { tokenizer, maxTokens: 256 });
  console.log(`real tokenizer: chunkText on 2,000 words took ${(performance.now() - started).toFixed(1)} ms (${chunks.length} chunks)`);
});
