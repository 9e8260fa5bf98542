/** Seeded generator (mulberry32): the same seed gives the same texts on every run. */
export const createRandom = (seed: number): { next(): number; integer(maximum: number): number; pick<T>(items: readonly T[]): T } => {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  const integer = (maximum: number): number => Math.floor(next() * maximum);
  return { next, integer, pick: <T>(items: readonly T[]): T => items[integer(items.length)]! };
};

const words = [
  'the', 'a', 'model', 'embeds', 'chunks', 'of', 'text', 'Kafka', 'event', 'stream', 'international', 'naïve', 'café',
  'Straße', 'über', 'mañana', '日本語', '東京都', 'данные', 'λόγος', 'emoji😀', '42', '3.14', 'e.g.', 'Dr.', 'U.S.',
  'supercalifragilisticexpialidocious', 'x', 'I', '(aside)', '"quoted"', 'co-operate', 'user@example.com',
];
const sentenceEnds = ['.', '.', '.', '!', '?', '', '。', '...'];
const spaces = [' ', ' ', ' ', '  ', '\t', '\u00a0'];

/** Paragraphs of sentences of words, with the irregularities real documents have. */
export const randomDocument = (random: ReturnType<typeof createRandom>): string => {
  const paragraphs: string[] = [];
  const paragraphCount = 1 + random.integer(10);
  for (let paragraph = 0; paragraph < paragraphCount; paragraph++) {
    const sentences: string[] = [];
    const sentenceCount = 1 + random.integer(8);
    for (let sentence = 0; sentence < sentenceCount; sentence++) {
      // Now and then a sentence far longer than any chunk.
      const length = random.next() < 0.05 ? 150 + random.integer(300) : 1 + random.integer(30);
      const parts: string[] = [];
      for (let word = 0; word < length; word++) {
        parts.push(random.pick(words));
        if (word < length - 1) parts.push(random.next() < 0.03 ? '\n' : random.pick(spaces));
      }
      sentences.push(parts.join('') + random.pick(sentenceEnds));
    }
    paragraphs.push(sentences.join(random.next() < 0.1 ? '\n' : ' '));
  }
  const separator = (): string => random.pick(['\n\n', '\n\n', '\n \n', '\n\n\n', '\r\n\r\n']);
  let text = random.next() < 0.2 ? '  \n' : '';
  for (const [index, paragraph] of paragraphs.entries()) text += (index > 0 ? separator() : '') + paragraph;
  return text + (random.next() < 0.2 ? ' \n\n ' : '');
};

/** Characters thrown together with no structure at all, whitespace runs included. */
export const randomNoise = (random: ReturnType<typeof createRandom>): string => {
  const alphabet = ['a', 'b', 'Z', '9', ' ', ' ', '\n', '.', '!', '-', 'é', '日', '😀', '\t', ',', '\u3000', '"'];
  return Array.from({ length: random.integer(600) }, () => random.pick(alphabet)).join('');
};
