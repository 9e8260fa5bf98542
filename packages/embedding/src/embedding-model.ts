/** A text cut into the model's word pieces. */
export interface TokenizedText {
  ids: number[];
  /**
   * One `[start, end)` pair per id: UTF-16 indices into the input string, so
   * `text.slice(start, end)` is the text the token came from (special tokens excluded).
   * Offsets never decrease. Two tokens share a range when normalisation turned one
   * character into several pieces (a Hangul syllable becomes its jamo).
   */
  offsets: [start: number, end: number][];
}

export interface Tokenizer {
  /** Word pieces of `text` without special tokens, with character offsets. */
  tokenize(text: string): TokenizedText;
  /** Tokens the model would see for `text` including special tokens ([CLS], [SEP]). */
  countTokens(text: string): number;
}

/** The embedding port (CONVENTIONS.md rule 8): workers depend on this, never on an adapter. */
export interface EmbeddingModel {
  /** e.g. 'sentence-transformers/all-MiniLM-L6-v2'. */
  readonly id: string;
  /** What exactly produced the vectors, so re-embeds are traceable: e.g. 'onnx-int8-8199be6f699a395f'. */
  readonly version: string;
  /** Length of every vector (384 for all-MiniLM-L6-v2). */
  readonly dimension: number;
  /** Longest input the model reads, special tokens included (256 for all-MiniLM-L6-v2). */
  readonly maxTokens: number;
  /** The model's own tokenizer; undefined for remote providers that do not expose one. */
  readonly tokenizer: Tokenizer | undefined;
  /**
   * L2-normalised vectors, one per text, in order. The caller batches: one call is one
   * model run or one HTTP request. Throws EmbeddingError code 'input_too_long' for any text
   * over maxTokens (nothing is truncated).
   */
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
  /** Frees the model (idempotent); `embed` afterwards throws code 'closed'. */
  close(): Promise<void>;
}
