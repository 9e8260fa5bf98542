import { countInflatedBytes, countLzwBytes, decodeAscii85, decodeAsciiHex } from './stream-decoders.js';

/** One `stream ... endstream` body found by scanning the raw bytes, whatever the cross-reference table says. */
export interface RawStream {
  /** The stream dictionary as Latin-1 text (at most its last 64 kB). */
  readonly dictionary: string;
  readonly data: Uint8Array;
}

const maxDictionaryLength = 64 * 1024;

/**
 * Every stream in the file, found by its keywords rather than through the cross-reference table:
 * a hostile file can hide objects from the table, and PDF.js rebuilds a broken table the same way.
 */
export function* findStreams(pdf: Uint8Array): Generator<RawStream> {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.length);
  let position = 0;
  for (;;) {
    const keyword = bytes.indexOf('stream', position, 'latin1');
    if (keyword < 0) return;
    position = keyword + 6;
    const before = keyword >= 3 ? bytes.toString('latin1', keyword - 3, keyword) : '';
    if (before === 'end') continue;
    let start = keyword + 6;
    if (bytes[start] === 0x0d) start++;
    if (bytes[start] === 0x0a) start++;
    else if (bytes[start - 1] !== 0x0d) continue; // "stream" inside some other token
    const objectStart = bytes.lastIndexOf('obj', keyword, 'latin1');
    const dictionaryStart = Math.max(objectStart < 0 ? 0 : objectStart, keyword - maxDictionaryLength);
    const dictionary = bytes.toString('latin1', dictionaryStart, keyword);
    const declared = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dictionary);
    let end = -1;
    if (declared) {
      const candidate = start + Number(declared[1]);
      if (candidate <= bytes.length && /^\s*endstream/.test(bytes.toString('latin1', candidate, Math.min(bytes.length, candidate + 32)))) end = candidate;
    }
    if (end < 0) {
      const endKeyword = bytes.indexOf('endstream', start, 'latin1');
      end = endKeyword < 0 ? bytes.length : endKeyword;
    }
    position = Math.max(position, end);
    yield { dictionary, data: bytes.subarray(start, end) };
  }
}

const filterNames: Readonly<Record<string, string>> = {
  Fl: 'FlateDecode', FlateDecode: 'FlateDecode', LZW: 'LZWDecode', LZWDecode: 'LZWDecode',
  AHx: 'ASCIIHexDecode', ASCIIHexDecode: 'ASCIIHexDecode', A85: 'ASCII85Decode', ASCII85Decode: 'ASCII85Decode',
};

/** The filter chain of a stream dictionary, abbreviations expanded; unknown filters keep their name. */
export const filtersOf = (dictionary: string): string[] => {
  const match = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9]+)/.exec(dictionary);
  if (!match) return [];
  return (match[1]!.match(/\/[A-Za-z0-9]+/g) ?? []).map((name) => filterNames[name.slice(1)] ?? name.slice(1));
};

/**
 * Bytes the stream's decompression filters produce, counted up to a little past `limit`: a run of
 * FlateDecode or an LZWDecode, after any ASCII filters. Anything after an unmeasured filter (images'
 * DCT/JPX/CCITT, RunLength's at most 128:1) is left out, and an uncompressed stream counts 0.
 */
export const measureDecodedLength = async (stream: RawStream, limit: number): Promise<number> => {
  const filters = filtersOf(stream.dictionary);
  let data = stream.data;
  let index = 0;
  for (; index < filters.length; index++) {
    if (filters[index] === 'ASCIIHexDecode') data = decodeAsciiHex(data);
    else if (filters[index] === 'ASCII85Decode') data = decodeAscii85(data);
    else break;
  }
  let flateStages = 0;
  while (filters[index + flateStages] === 'FlateDecode') flateStages++;
  if (flateStages > 0) return countInflatedBytes(data, flateStages, limit);
  if (filters[index] === 'LZWDecode') {
    const earlyChange = /\/EarlyChange\s+0\b/.test(stream.dictionary) ? 0 : 1;
    return countLzwBytes(data, limit, earlyChange);
  }
  // Uncompressed (or only ASCII-encoded) streams are no bigger than the file, which maxBytes already bounds.
  return 0;
};

/** Streams text extraction never decodes: images and attached files. */
const isIgnored = (dictionary: string): boolean =>
  /\/Subtype\s*\/Image\b/.test(dictionary) || /\/Type\s*\/EmbeddedFile\b/.test(dictionary);

export interface InflationReport {
  /** Decoded bytes counted before stopping. */
  readonly decodedBytes: number;
  /** True when the total went past the limit (the scan stopped there). */
  readonly exceeded: boolean;
}

/** Sums the decoded size of every stream PDF.js may decode while reading text, stopping at `limit`. */
export const measurePdfStreams = async (pdf: Uint8Array, limit: number): Promise<InflationReport> => {
  let decodedBytes = 0;
  for (const stream of findStreams(pdf)) {
    if (isIgnored(stream.dictionary)) continue;
    decodedBytes += await measureDecodedLength(stream, limit - decodedBytes);
    if (decodedBytes > limit) return { decodedBytes, exceeded: true };
  }
  return { decodedBytes, exceeded: false };
};
