import type { Tokenizer } from '../../src/index.js';

export interface TestTokenizerOptions {
  /** Code points per word piece: "international" is "inte ##rnat ##iona ##l" with 4. */
  pieceLength?: number;
  /** Special tokens countTokens adds ([CLS] and [SEP]). */
  specialTokens?: number;
  /** Byte-level-BPE style: a piece's offsets include the whitespace before its word. */
  leadingSpace?: boolean;
  /** Extra tokens countTokens adds per this many pieces, so counts disagree with the offsets (like merges at cuts). */
  extraEvery?: number;
}

/**
 * A real (if small) word-piece tokenizer: words of letters and digits cut into fixed-size pieces, every other
 * non-space character a token of its own, a growing vocabulary. Enough to make chunk sizes honest.
 */
export const createTestTokenizer = (options: TestTokenizerOptions = {}): Tokenizer => {
  const { pieceLength = 4, specialTokens = 2, leadingSpace = false, extraEvery = 0 } = options;
  const vocabulary = new Map<string, number>();
  const idOf = (piece: string): number => {
    let id = vocabulary.get(piece);
    if (id === undefined) {
      id = vocabulary.size + specialTokens + 1;
      vocabulary.set(piece, id);
    }
    return id;
  };
  const tokenize = (text: string): { ids: number[]; offsets: [number, number][] } => {
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    for (const match of text.matchAll(/[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu)) {
      let position = match.index;
      const codePoints = Array.from(match[0]);
      for (let index = 0; index < codePoints.length; index += pieceLength) {
        const piece = codePoints.slice(index, index + pieceLength).join('');
        let start = position;
        if (leadingSpace && index === 0) while (start > 0 && /\s/.test(text[start - 1]!)) start--;
        ids.push(idOf(index === 0 ? piece : `##${piece}`));
        offsets.push([start, position + piece.length]);
        position += piece.length;
      }
    }
    return { ids, offsets };
  };
  const countTokens = (text: string): number => {
    const pieces = tokenize(text).ids.length;
    return pieces + specialTokens + (extraEvery > 0 ? Math.floor(pieces / extraEvery) : 0);
  };
  return { tokenize, countTokens };
};
