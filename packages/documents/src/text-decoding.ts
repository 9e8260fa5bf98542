import { DocumentError } from './errors.js';
import { sniffSignature } from './signatures.js';

/** What a single pass over the bytes found; counts are in characters (code points). */
export interface Utf8Scan {
  readonly characters: number;
  readonly invalidSequences: number;
  /** C0 and C1 control characters other than tab, line feed, carriage return and form feed. */
  readonly controlCharacters: number;
  readonly nulBytes: number;
  readonly whitespaceOnly: boolean;
}

/** More invalid sequences than this share of the characters means "not UTF-8" (binary, or Latin-1 and friends). */
const maxInvalidShare = 0.01;
/** More control characters than this share means "binary", even if it happens to be valid UTF-8. */
const maxControlShare = 0.1;

const isContinuation = (byte: number | undefined): boolean => byte !== undefined && (byte & 0xc0) === 0x80;

/** Validates UTF-8 by the Unicode standard's table of well-formed byte sequences (no overlongs, no surrogates). */
export const scanUtf8 = (bytes: Uint8Array): Utf8Scan => {
  let characters = 0, invalidSequences = 0, controlCharacters = 0, nulBytes = 0, whitespaceOnly = true;
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index]!;
    characters++;
    if (byte < 0x80) {
      if (byte === 0) nulBytes++;
      if (byte === 0x7f || (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c)) controlCharacters++;
      if (whitespaceOnly && byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) whitespaceOnly = false;
      index++;
      continue;
    }
    whitespaceOnly = false;
    const second = bytes[index + 1];
    let length = 0;
    let secondLow = 0x80, secondHigh = 0xbf;
    if (byte >= 0xc2 && byte <= 0xdf) length = 2;
    else if (byte >= 0xe0 && byte <= 0xef) {
      length = 3;
      if (byte === 0xe0) secondLow = 0xa0;
      if (byte === 0xed) secondHigh = 0x9f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      length = 4;
      if (byte === 0xf0) secondLow = 0x90;
      if (byte === 0xf4) secondHigh = 0x8f;
    }
    if (length === 0 || second === undefined || second < secondLow || second > secondHigh) {
      invalidSequences++;
      index++;
      continue;
    }
    let valid = 2;
    while (valid < length && isContinuation(bytes[index + valid])) valid++;
    if (valid < length) {
      invalidSequences++;
      index += valid;
      continue;
    }
    if (byte === 0xc2 && second <= 0x9f) controlCharacters++;
    index += length;
  }
  return { characters, invalidSequences, controlCharacters, nulBytes, whitespaceOnly };
};

const utf8Bom = [0xef, 0xbb, 0xbf];

/**
 * Turns bytes that claim to be text into a string, refusing binary data.
 * `declared` says whether the caller named it text (refusal `not_text`) or we only guessed (`unsupported_type`).
 */
export const decodeText = (content: Uint8Array, options: { declared: boolean; name: string; formatName: string }): string => {
  const { declared, name, formatName } = options;
  const refuse = (why: string): never => {
    const signature = sniffSignature(content);
    const actually = signature ? ` It looks like ${signature.description}.` : '';
    throw declared
      ? new DocumentError('not_text', `${name} was sent as ${formatName} but ${why}.${actually} Upload the text saved as UTF-8, or send the file with its real type.`)
      : new DocumentError('unsupported_type', `${name} is not a format we can read: ${why}.${actually} Upload plain text (UTF-8), Markdown, HTML or PDF.`);
  };
  if ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff)) {
    refuse('it is encoded as UTF-16, not UTF-8 (re-save it as UTF-8)');
  }
  const body = utf8Bom.every((byte, index) => content[index] === byte) ? content.subarray(3) : content;
  const scan = scanUtf8(body);
  if (scan.whitespaceOnly) throw new DocumentError('empty_document', `${name} contains no text, only whitespace. Upload a document with content.`);
  if (scan.nulBytes > 0) refuse('it contains NUL bytes, so it is binary data');
  if (scan.invalidSequences > scan.characters * maxInvalidShare) {
    refuse(`it is not valid UTF-8 (${scan.invalidSequences} invalid byte sequences): it is binary, or text in another encoding such as Latin-1 or Windows-1252`);
  }
  if (scan.controlCharacters > scan.characters * maxControlShare) refuse('it is mostly non-printable characters, so it is binary data');
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
};
