/**
 * Where a chunk may start or end, ranked by how natural a cut there is. Built in one linear pass
 * over the text and its token offsets, so the chunker never tokenises anything twice.
 */
export const breakRanks = { token: 0, word: 1, line: 2, sentence: 3, paragraph: 4 } as const;
const rankCount = 5;

/** Break positions whose rank is at least the level's, ascending, with the number of tokens before each. */
export interface BreakLevel {
  readonly positions: Int32Array;
  /** Tokens that end at or before the position (non-decreasing). */
  readonly tokens: Int32Array;
}

export interface BreakIndex {
  /** `levels[rank]`: every break of that rank or higher. The end of the text is in every level. */
  readonly levels: readonly BreakLevel[];
  readonly tokenCount: number;
  /** Tokens that end at or before `position`. */
  tokensBefore(position: number): number;
}

/** Unicode White_Space, by code unit. */
export const isSpace = (code: number): boolean =>
  code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0x85 || code === 0xa0 || code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;

let sentenceSegmenter: Intl.Segmenter | undefined;

/**
 * ICU splits after every abbreviation's full stop ("Dr. | Smith"); these are the common ones in English.
 * A missed split only costs a slightly worse cut, never text.
 */
const abbreviation = /(?:^|[\s("'])(?:[A-Z]|Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|vs|e\.g|i\.e|cf|Fig|Figs|No|Nos|Vol|pp|Inc|Ltd|Co|Corp)\.$/;

/**
 * Sentence starts from Intl.Segmenter (ICU's rules, so any script: "。", "؟", ...). Line breaks are
 * blanked out first because ICU ends a sentence at every newline, which in PDF text is mid-sentence.
 */
const markSentences = (text: string, ranks: Int8Array): void => {
  sentenceSegmenter ??= new Intl.Segmenter('en', { granularity: 'sentence' });
  const flattened = text.replace(/[\n\r\u2028\u2029\u0085\f\v]/g, ' ');
  let previous = '';
  for (const { index, segment } of sentenceSegmenter.segment(flattened)) {
    const ended = previous;
    previous = segment;
    if (index === 0 || abbreviation.test(ended.trimEnd().slice(-8))) continue;
    let position = index;
    while (position < text.length && isSpace(text.charCodeAt(position))) position++;
    if (position < text.length) ranks[position] = Math.max(ranks[position]!, breakRanks.sentence);
  }
};

/** A one-line paragraph this short that does not end like a sentence reads as a heading or an intro ("Example:"). */
const maxHeadingLength = 100;
const endsLikeSentence = /[.!?\u3002\uff01\uff1f\u2026]["')\]\u201d\u2019]*$/;

/**
 * The first non-space after each newline starts a line; after a blank line, a paragraph. Returns the
 * paragraph starts that follow a heading-like paragraph: a chunk should not end between a heading and
 * its text, so those are demoted to line breaks once sentences are marked.
 */
const markLines = (text: string, ranks: Int8Array): number[] => {
  const afterHeadings: number[] = [];
  let paragraphStart = 0, paragraphLines = 1;
  let newline = text.indexOf('\n');
  while (newline >= 0) {
    let position = newline + 1, blank = false;
    while (position < text.length && isSpace(text.charCodeAt(position))) {
      if (text.charCodeAt(position) === 0x0a) blank = true;
      position++;
    }
    if (blank) {
      const paragraph = paragraphLines === 1 ? text.slice(paragraphStart, newline).trim() : '';
      if (paragraph !== '' && paragraph.length <= maxHeadingLength && !endsLikeSentence.test(paragraph)) afterHeadings.push(position);
      paragraphStart = position;
      paragraphLines = 1;
    } else {
      paragraphLines++;
    }
    if (position < text.length) ranks[position] = Math.max(ranks[position]!, blank ? breakRanks.paragraph : breakRanks.line);
    newline = text.indexOf('\n', position);
  }
  return afterHeadings;
};

export const buildBreakIndex = (text: string, offsets: readonly (readonly [number, number])[]): BreakIndex => {
  const length = text.length;
  const ranks = new Int8Array(length + 1).fill(-1);
  // Token ends, made non-decreasing and clamped, for counting; token starts become token/word breaks.
  const ends = new Int32Array(offsets.length);
  let highestEnd = 0;
  for (const [index, [start, end]] of offsets.entries()) {
    highestEnd = Math.min(length, Math.max(highestEnd, end, start));
    ends[index] = highestEnd;
    // Byte-level BPE tokens carry their leading space (" word"): the break is at the word, not the space.
    let position = Math.max(0, Math.min(length, start));
    while (position < Math.min(length, end) && isSpace(text.charCodeAt(position))) position++;
    if (position >= length) continue;
    const rank = position === 0 || isSpace(text.charCodeAt(position - 1)) ? breakRanks.word : breakRanks.token;
    ranks[position] = Math.max(ranks[position]!, rank);
  }
  const afterHeadings = markLines(text, ranks);
  markSentences(text, ranks);
  for (const position of afterHeadings) if (position < length) ranks[position] = breakRanks.line;
  ranks[length] = breakRanks.paragraph;

  const sizes = new Array<number>(rankCount).fill(0);
  for (const rank of ranks) for (let level = 0; level <= rank; level++) sizes[level]!++;
  const levels = sizes.map((size) => ({ positions: new Int32Array(size), tokens: new Int32Array(size) }));
  const filled = new Array<number>(rankCount).fill(0);
  let tokenCursor = 0;
  for (let position = 0; position <= length; position++) {
    const rank = ranks[position]!;
    if (rank < 0) continue;
    while (tokenCursor < ends.length && ends[tokenCursor]! <= position) tokenCursor++;
    for (let level = 0; level <= rank; level++) {
      const slot = filled[level]!++;
      levels[level]!.positions[slot] = position;
      levels[level]!.tokens[slot] = tokenCursor;
    }
  }
  const tokensBefore = (position: number): number => {
    let low = 0, high = ends.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (ends[middle]! <= position) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  return { levels, tokenCount: offsets.length, tokensBefore };
};
