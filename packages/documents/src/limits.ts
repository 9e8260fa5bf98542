import { DocumentError } from './errors.js';

/**
 * Bounds on what `parseDocument` accepts, so a hostile or accidental upload cannot exhaust the worker.
 * Every field is optional; the defaults suit a worker with about 1 GB of memory per concurrent parse.
 */
export interface ParseLimits {
  /** Input larger than this is refused before any parsing. Default 20 MB (20,000,000 bytes). */
  maxBytes?: number;
  /** A PDF with more pages is refused before its text is read. Default 2,000. */
  maxPages?: number;
  /** Wall-clock budget for one parse; the parsing thread is terminated when it runs out. Default 30 s. */
  timeoutMs?: number;
  /** Extracted text longer than this (in UTF-16 code units) is refused. Default 10,000,000. */
  maxTextCharacters?: number;
  /**
   * Total bytes the compressed streams of a PDF (pages, fonts, forms; not images, which text
   * extraction never decodes) may inflate to. Beyond it the file is a decompression bomb. Default 200 MB.
   */
  maxDecompressedBytes?: number;
}

export type ResolvedParseLimits = Readonly<Required<ParseLimits>>;

export const defaultParseLimits: ResolvedParseLimits = Object.freeze({
  maxBytes: 20_000_000,
  maxPages: 2_000,
  timeoutMs: 30_000,
  maxTextCharacters: 10_000_000,
  maxDecompressedBytes: 200_000_000,
});

/** Fills in defaults and rejects nonsense (a programming or configuration error, hence RangeError). */
export const resolveParseLimits = (limits: ParseLimits = {}): ResolvedParseLimits => {
  const resolved = { ...defaultParseLimits };
  for (const key of Object.keys(defaultParseLimits) as (keyof ResolvedParseLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`ParseLimits.${key} must be a positive integer; got ${String(value)}`);
    }
    resolved[key] = value;
  }
  return Object.freeze(resolved);
};

/** `12 MB`-style figure for messages meant for people. */
export const formatBytes = (bytes: number): string => {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(bytes % 1_000_000 === 0 ? 0 : 1)} MB`;
  if (bytes >= 1_000) return `${(bytes / 1_000).toFixed(bytes % 1_000 === 0 ? 0 : 1)} kB`;
  return `${bytes} bytes`;
};

/** Refuses empty and over-size input before anything reads it. */
export const checkSize = (content: Uint8Array, limits: ResolvedParseLimits, name: string): void => {
  if (content.length === 0) throw new DocumentError('empty_document', `${name} is empty (0 bytes). Upload a document with content.`);
  if (content.length > limits.maxBytes) {
    throw new DocumentError('too_large', `${name} is ${formatBytes(content.length)}; at most ${formatBytes(limits.maxBytes)} is accepted. Split it into smaller documents.`);
  }
};
