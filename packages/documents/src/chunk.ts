import { breakRanks, buildBreakIndex, isSpace, type BreakIndex, type BreakLevel } from './boundaries.js';
import { contentHash } from './hash.js';

/**
 * The embedding model's own tokenizer (the real one comes from @rivulet/embedding). The chunker calls
 * `tokenize` once on the whole text and `countTokens` once per chunk it emits.
 */
export interface Tokenizer {
  /** Word pieces without special tokens, with `[start, end)` character offsets into `text`. */
  tokenize(text: string): { ids: number[]; offsets: [number, number][] };
  /** Tokens the model would see for `text`, its special tokens included. */
  countTokens(text: string): number;
}

export interface ChunkOptions {
  tokenizer: Tokenizer;
  /** Hard limit per chunk, special tokens included: no chunk ever exceeds it (the model's context size). */
  maxTokens: number;
  /** Preferred chunk size. Default: half of `maxTokens` (128 for a 256-token model), at most 512. */
  targetTokens?: number;
  /** Tokens of the previous chunk's tail repeated at the start of the next. Default: 1/8 of the target; at most half of it. */
  overlapTokens?: number;
}

export interface Chunk {
  /** 0, 1, 2, ... in text order. */
  index: number;
  /** Exactly `source.slice(startOffset, endOffset)`; never starts or ends with whitespace. */
  text: string;
  startOffset: number;
  endOffset: number;
  /** `tokenizer.countTokens(text)`, special tokens included; at most `maxTokens`. */
  tokenCount: number;
  /** `sha256:` + hex of `text`. */
  contentHash: string;
}

interface Break { readonly position: number; readonly tokens: number }

/** Index of the last break with at most `tokens` tokens before it, or -1. */
const lastWithin = (level: BreakLevel, tokens: number): number => {
  let low = 0, high = level.tokens.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (level.tokens[middle]! <= tokens) low = middle + 1;
    else high = middle;
  }
  return low - 1;
};

/** Index of the first break whose token count is at least `tokens` and whose position is after `position`. */
const firstFrom = (level: BreakLevel, tokens: number, position: number): number => {
  let index = lastWithin(level, tokens - 1) + 1;
  while (index < level.positions.length && level.positions[index]! <= position) index++;
  return index;
};

const at = (level: BreakLevel, index: number): Break => ({ position: level.positions[index]!, tokens: level.tokens[index]! });

/**
 * Where the chunk starting at `start` should end, `afterPosition` being the earliest allowed end (the
 * previous chunk's end). Preference: a paragraph end, then a sentence end, at 50-100 % of the target; a
 * sentence end past the target but within the hard limit; a line end; a sentence end at 25 % or more;
 * then word and token boundaries, for a sentence too long to keep whole.
 */
const chooseEnd = (index: BreakIndex, start: Break, afterPosition: number, target: number, limit: number): Break => {
  const { levels } = index;
  const furthest = (rank: number, minimum: number): Break | undefined => {
    const level = levels[rank]!;
    const found = lastWithin(level, start.tokens + target);
    if (found < 0) return undefined;
    const candidate = at(level, found);
    return candidate.position > afterPosition && candidate.tokens - start.tokens >= minimum ? candidate : undefined;
  };
  const half = Math.ceil(target / 2);
  const beyondTarget = (): Break | undefined => {
    const level = levels[breakRanks.sentence]!;
    const found = firstFrom(level, start.tokens + target + 1, afterPosition);
    if (found >= level.positions.length) return undefined;
    const candidate = at(level, found);
    return candidate.tokens - start.tokens <= limit ? candidate : undefined;
  };
  const chosen = furthest(breakRanks.paragraph, half) ?? furthest(breakRanks.sentence, half) ?? beyondTarget() ??
    furthest(breakRanks.line, half) ?? furthest(breakRanks.sentence, Math.ceil(target / 4)) ??
    furthest(breakRanks.word, 1) ?? furthest(breakRanks.token, 1);
  if (chosen) return chosen;
  // Nothing fits after afterPosition: take the very next break and let the caller's count decide.
  const tokens = levels[breakRanks.token]!;
  return at(tokens, firstFrom(tokens, 0, afterPosition));
};

/** Where the next chunk starts so that it repeats at most `overlap` tokens before `end`: whole sentences if any fit. */
const overlapStart = (index: BreakIndex, end: Break, chunkStart: number, overlap: number): Break => {
  if (overlap <= 0) return end;
  for (const rank of [breakRanks.sentence, breakRanks.word, breakRanks.token]) {
    const level = index.levels[rank]!;
    const found = firstFrom(level, end.tokens - overlap, chunkStart);
    if (found < level.positions.length && level.positions[found]! < end.position) return at(level, found);
  }
  return end;
};

const checkCount = (name: string, value: number | undefined, minimum: number, maximum = Number.MAX_SAFE_INTEGER): void => {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < minimum || value > maximum)) {
    throw new RangeError(`chunkText: ${name} must be an integer from ${minimum} to ${maximum}; got ${String(value)}`);
  }
};

/** Special tokens the model adds (e.g. [CLS] and [SEP]), measured on the text's first token alone. */
const specialTokenCount = (text: string, tokenizer: Tokenizer, offsets: readonly [number, number][]): number => {
  const first = offsets[0];
  const sample = first ? text.slice(first[0], first[1]) : text.trim();
  return Math.max(0, tokenizer.countTokens(sample) - tokenizer.tokenize(sample).ids.length);
};

/**
 * Cuts text into chunks of at most `maxTokens` tokens (counted by the model's tokenizer), cutting at
 * paragraph ends where it can, else sentence ends, else between words. Consecutive chunks overlap by up
 * to `overlapTokens`. Every non-whitespace character is in at least one chunk. Deterministic.
 * Empty or whitespace-only text gives no chunks.
 *
 * @throws RangeError for invalid options; Error if the tokenizer cannot fit a single token into `maxTokens`.
 */
export const chunkText = (text: string, options: ChunkOptions): Chunk[] => {
  const { tokenizer, maxTokens } = options;
  checkCount('maxTokens', maxTokens, 1);
  let first = 0;
  while (first < text.length && isSpace(text.charCodeAt(first))) first++;
  if (first === text.length) return [];

  const { ids, offsets } = tokenizer.tokenize(text);
  if (ids.length !== offsets.length) throw new Error(`chunkText: the tokenizer returned ${ids.length} ids but ${offsets.length} offsets`);
  const special = specialTokenCount(text, tokenizer, offsets);
  if (maxTokens <= special) throw new RangeError(`chunkText: maxTokens (${maxTokens}) leaves no room beside the model's ${special} special tokens`);
  const targetTokens = options.targetTokens ?? Math.min(maxTokens, Math.max(special + 1, Math.min(512, Math.floor(maxTokens / 2))));
  checkCount('targetTokens', targetTokens, special + 1, maxTokens);
  checkCount('overlapTokens', options.overlapTokens, 0, Math.floor(targetTokens / 2));
  const target = targetTokens - special;
  const limit = maxTokens - special;
  // Overlap must stay below the target, or a chunk could make no progress.
  const overlap = Math.min(options.overlapTokens ?? Math.round(targetTokens / 8), Math.floor((target - 1) / 2));

  const index = buildBreakIndex(text, offsets);
  const chunks: Chunk[] = [];
  let start: Break = { position: first, tokens: index.tokensBefore(first) };
  let previousEnd = start;
  for (;;) {
    let budget = target;
    let end: Break, from: number, to: number, tokenCount: number;
    for (;;) {
      end = index.tokenCount - start.tokens <= budget
        ? { position: text.length, tokens: index.tokenCount }
        : chooseEnd(index, start, previousEnd.position, budget, budget === target ? limit : budget);
      from = start.position;
      to = end.position;
      while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
      tokenCount = tokenizer.countTokens(text.slice(from, to));
      if (tokenCount <= maxTokens) break;
      // The estimate from offsets was off (tokens merge differently at the cut): retry with a smaller budget.
      budget = Math.min(budget - 1, end.tokens - start.tokens - (tokenCount - maxTokens));
      if (budget >= 1) continue;
      if (start.position >= previousEnd.position) {
        throw new Error(`chunkText: the tokenizer counts more than maxTokens (${maxTokens}) for the smallest piece at offset ${from}`);
      }
      // Give up the overlap before giving up.
      start = previousEnd;
      budget = target;
    }
    const piece = text.slice(from, to);
    chunks.push({ index: chunks.length, text: piece, startOffset: from, endOffset: to, tokenCount, contentHash: contentHash(piece) });
    if (end.position >= text.length) return chunks;
    const next = overlapStart(index, end, start.position, overlap);
    previousEnd = end;
    start = next;
  }
};
