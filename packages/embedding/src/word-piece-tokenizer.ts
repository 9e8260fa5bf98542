import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as huggingFaceTokenizers from '@huggingface/tokenizers';
import { EmbeddingError } from './embedding-error.js';
import type { TokenizedText, Tokenizer } from './embedding-model.js';

/** The tokenizer as the ONNX adapter uses it: also the exact ids the model reads. */
export interface ModelTokenizer extends Tokenizer {
  /** [CLS] + word pieces + [SEP] (whatever the tokenizer's post-processor adds). */
  modelInputIds(text: string): number[];
}

/**
 * The part of @huggingface/tokenizers 0.2.0 this adapter uses: the three stages of a loaded
 * tokenizer. Written out because the package's own declarations import relative paths without
 * file extensions, which TypeScript's NodeNext resolution cannot follow (everything would be `any`).
 */
interface LibraryTokenizer {
  normalizer: { normalize(text: string): string } | null;
  pre_tokenizer: { pre_tokenize_text(text: string): string[] } | null;
  model: { encode(words: string[]): string[]; tokens_to_ids: Map<string, number> } | null;
}
const { Tokenizer: LibraryTokenizerClass } = huggingFaceTokenizers as unknown as {
  Tokenizer: new (tokenizerJson: object, tokenizerConfig: object) => LibraryTokenizer;
};

interface TokenizerJson {
  added_tokens?: { id: number; content: string; normalized?: boolean }[];
  normalizer?: { type: string } | null;
  pre_tokenizer?: { type: string } | null;
  post_processor?: PostProcessorJson | null;
  model?: { type: string; unk_token: string; continuing_subword_prefix?: string };
}

type PostProcessorJson =
  | { type: 'TemplateProcessing'; single: ({ SpecialToken: { id: string } } | { Sequence: { id: string } })[]; special_tokens: Record<string, { ids: number[] }> }
  | { type: 'BertProcessing'; cls: [string, number]; sep: [string, number] }
  | { type: string };

const invalid = (file: string, message: string) => new EmbeddingError({ code: 'model_invalid', message: `${file}: ${message}` });

/** The ids placed before and after a single text, read from the tokenizer's post-processor. */
const specialTokenIds = (file: string, processor: PostProcessorJson | null | undefined): { before: number[]; after: number[] } => {
  if (!processor) return { before: [], after: [] };
  if (processor.type === 'BertProcessing' && 'cls' in processor) return { before: [processor.cls[1]], after: [processor.sep[1]] };
  if (processor.type === 'TemplateProcessing' && 'single' in processor) {
    const sequenceAt = processor.single.findIndex((piece) => 'Sequence' in piece);
    const ids = (pieces: typeof processor.single) =>
      pieces.flatMap((piece) => ('SpecialToken' in piece ? (processor.special_tokens[piece.SpecialToken.id]?.ids ?? []) : []));
    return { before: ids(processor.single.slice(0, sequenceAt)), after: ids(processor.single.slice(sequenceAt + 1)) };
  }
  throw invalid(file, `post_processor ${processor.type} is not supported (TemplateProcessing or BertProcessing)`);
};

const parseJson = (file: string, text: string): object => {
  try {
    return JSON.parse(text) as object;
  } catch (error) {
    throw new EmbeddingError({ code: 'model_invalid', message: `${file} is not JSON: ${(error as Error).message}`, cause: error });
  }
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Printable ASCII and \t\n\r: the BERT normaliser maps such a run one character to one, unless it drops a control character. */
const asciiRun = /[\t\n\r\x20-\x7e]+/y;

/**
 * Loads `tokenizer.json` (and `tokenizer_config.json` when present) with @huggingface/tokenizers,
 * the pure-JavaScript port of Hugging Face's tokenizers. That library returns no offsets, so
 * this adapter runs its three stages itself (normaliser, pre-tokenizer, WordPiece) and keeps,
 * for each normalised character, the input characters it came from. Only BERT-style WordPiece
 * tokenizers are accepted: their stages keep text in order, which is what makes the mapping exact.
 */
export const loadWordPieceTokenizer = async ({ modelDirectory }: { modelDirectory: string }): Promise<ModelTokenizer> => {
  const file = join(modelDirectory, 'tokenizer.json');
  const json = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new EmbeddingError({ code: 'model_not_found', message: `no tokenizer at ${file}: run \`rivulet infra up\``, cause: error });
  });
  const config = parseJson(join(modelDirectory, 'tokenizer_config.json'), await readFile(join(modelDirectory, 'tokenizer_config.json'), 'utf8').catch(() => '{}'));
  const definition = parseJson(file, json) as TokenizerJson;
  if (definition.model?.type !== 'WordPiece') throw invalid(file, `model ${definition.model?.type} is not supported (WordPiece)`);
  if (definition.pre_tokenizer?.type !== 'BertPreTokenizer') throw invalid(file, `pre_tokenizer ${definition.pre_tokenizer?.type} is not supported (BertPreTokenizer)`);
  if (definition.normalizer && definition.normalizer.type !== 'BertNormalizer') throw invalid(file, `normalizer ${definition.normalizer.type} is not supported (BertNormalizer)`);
  const addedTokens = definition.added_tokens ?? [];
  if (addedTokens.some((token) => token.normalized)) throw invalid(file, 'added tokens matched after normalisation are not supported');
  const special = specialTokenIds(file, definition.post_processor);

  const library = new LibraryTokenizerClass(definition, config);
  const { normalizer, pre_tokenizer: preTokenizer, model } = library;
  if (preTokenizer === null || model === null) throw invalid(file, 'no pre-tokenizer or model');
  const prefix = definition.model.continuing_subword_prefix ?? '##';
  const unknownToken = definition.model.unk_token;
  const idOf = (token: string): number => {
    const id = model.tokens_to_ids.get(token);
    if (id === undefined) throw invalid(file, `token ${JSON.stringify(token)} has no id`);
    return id;
  };
  const addedIds = new Map(addedTokens.map((token) => [token.content, token.id]));
  // Added tokens ([CLS], [SEP], ...) written in the text are matched before normalisation, as Hugging Face's tokenizers do.
  const addedPattern = addedIds.size === 0 ? undefined : new RegExp([...addedIds.keys()].map(escapeRegExp).join('|'), 'g');
  const normalize = (text: string) => (normalizer === null ? text : normalizer.normalize(text));

  /** The normalised text of `text[from, to)` and, per normalised UTF-16 unit, the input range it came from. */
  const normalizeTracked = (text: string, from: number, to: number) => {
    let normalized = '';
    const starts: number[] = [];
    const ends: number[] = [];
    let position = from;
    while (position < to) {
      asciiRun.lastIndex = position;
      const run = asciiRun.exec(text)?.[0].slice(0, to - position);
      if (run !== undefined) {
        const output = normalize(run);
        if (output.length === run.length) {
          normalized += output;
          for (let index = position; index < position + run.length; index++) {
            starts.push(index);
            ends.push(index + 1);
          }
          position += run.length;
          continue;
        }
      }
      // One code point at a time: every stage of the BERT normaliser works character by character.
      const width = text.codePointAt(position)! > 0xffff ? 2 : 1;
      const output = normalize(text.slice(position, position + width));
      normalized += output;
      for (let index = 0; index < output.length; index++) {
        starts.push(position);
        ends.push(position + width);
      }
      position += width;
    }
    return { normalized, starts, ends };
  };

  const tokenize = (text: string): TokenizedText => {
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    const section = (from: number, to: number) => {
      if (from >= to) return;
      const { normalized, starts, ends } = normalizeTracked(text, from, to);
      let cursor = 0;
      for (const word of preTokenizer.pre_tokenize_text(normalized)) {
        const at = normalized.indexOf(word, cursor);
        if (at < 0) throw invalid(file, `pre-tokenizer returned ${JSON.stringify(word)}, which is not in the normalised text`);
        cursor = at + word.length;
        const pieces = model.encode([word]);
        if (pieces.length === 1 && pieces[0] === unknownToken) {
          ids.push(idOf(unknownToken));
          offsets.push([starts[at]!, ends[cursor - 1]!]);
          continue;
        }
        let pieceStart = at;
        for (const piece of pieces) {
          const length = pieceStart > at && piece.startsWith(prefix) ? piece.length - prefix.length : piece.length;
          ids.push(idOf(piece));
          offsets.push([starts[pieceStart]!, ends[pieceStart + length - 1]!]);
          pieceStart += length;
        }
      }
    };
    let sectionStart = 0;
    for (const match of addedPattern === undefined ? [] : text.matchAll(addedPattern)) {
      section(sectionStart, match.index);
      ids.push(addedIds.get(match[0])!);
      offsets.push([match.index, match.index + match[0].length]);
      sectionStart = match.index + match[0].length;
    }
    section(sectionStart, text.length);
    return { ids, offsets };
  };

  const specialCount = special.before.length + special.after.length;
  return {
    tokenize,
    countTokens: (text) => tokenize(text).ids.length + specialCount,
    modelInputIds: (text) => [...special.before, ...tokenize(text).ids, ...special.after],
  };
};
