/**
 * Magic numbers of formats we refuse, recognised so that the refusal can say what the file really is.
 * Archives and compressed files are never unpacked: a ".pdf" or ".md" that is really a ZIP or gzip
 * file is the usual shape of a decompression bomb posing as a document.
 */
export interface Signature {
  /** `archive`: compressed container; `binary`: some other non-text format; `pdf`: a PDF header. */
  readonly kind: 'archive' | 'binary' | 'pdf';
  /** Reads in a sentence: "is a ZIP archive ...". */
  readonly description: string;
}

interface Magic extends Signature {
  readonly bytes: readonly number[];
  readonly offset?: number;
}

const ascii = (text: string): number[] => [...text].map((character) => character.charCodeAt(0));

const zip = 'a ZIP archive (Word, Excel, PowerPoint, OpenDocument and EPUB files are ZIP archives too)';
const magics: readonly Magic[] = [
  { kind: 'archive', bytes: [0x50, 0x4b, 0x03, 0x04], description: zip },
  { kind: 'archive', bytes: [0x50, 0x4b, 0x05, 0x06], description: zip },
  { kind: 'archive', bytes: [0x50, 0x4b, 0x07, 0x08], description: zip },
  { kind: 'archive', bytes: [0x1f, 0x8b], description: 'gzip-compressed data' },
  { kind: 'archive', bytes: [...ascii('BZh'), -1, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59], description: 'bzip2-compressed data' },
  { kind: 'archive', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], description: 'xz-compressed data' },
  { kind: 'archive', bytes: [0x28, 0xb5, 0x2f, 0xfd], description: 'zstd-compressed data' },
  { kind: 'archive', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], description: 'a 7-Zip archive' },
  { kind: 'archive', bytes: ascii('Rar!\x1a\x07'), description: 'a RAR archive' },
  { kind: 'archive', bytes: ascii('ustar'), offset: 257, description: 'a tar archive' },
  { kind: 'binary', bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], description: 'a Microsoft Office 97-2003 file (.doc, .xls or .ppt)' },
  { kind: 'binary', bytes: ascii('{\\rtf'), description: 'an RTF document' },
  { kind: 'binary', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], description: 'a PNG image' },
  { kind: 'binary', bytes: [0xff, 0xd8, 0xff], description: 'a JPEG image' },
  { kind: 'binary', bytes: ascii('GIF8'), description: 'a GIF image' },
  { kind: 'binary', bytes: [...ascii('RIFF'), -1, -1, -1, -1, ...ascii('WEBP')], description: 'a WebP image' },
  { kind: 'binary', bytes: [0x49, 0x49, 0x2a, 0x00], description: 'a TIFF image' },
  { kind: 'binary', bytes: [0x4d, 0x4d, 0x00, 0x2a], description: 'a TIFF image' },
  { kind: 'binary', bytes: [0x7f, 0x45, 0x4c, 0x46], description: 'an executable (ELF)' },
  { kind: 'binary', bytes: [0x00, 0x61, 0x73, 0x6d], description: 'a WebAssembly module' },
];

const matches = (content: Uint8Array, magic: Magic): boolean => {
  const offset = magic.offset ?? 0;
  if (content.length < offset + magic.bytes.length) return false;
  return magic.bytes.every((byte, index) => byte === -1 || content[offset + index] === byte);
};

/** PDF readers accept junk before the header as long as it starts within the first kilobyte. */
export const pdfHeaderOffset = (content: Uint8Array): number =>
  Buffer.from(content.buffer, content.byteOffset, Math.min(content.length, 1024)).indexOf('%PDF-');

export const sniffSignature = (content: Uint8Array): Signature | undefined => {
  const magic = magics.find((candidate) => matches(content, candidate));
  if (magic) return { kind: magic.kind, description: magic.description };
  if (pdfHeaderOffset(content) >= 0) return { kind: 'pdf', description: 'a PDF document' };
  return undefined;
};

/** `<!doctype html` or `<html` at the start, after an optional BOM, whitespace and comments. */
export const looksLikeHtml = (content: Uint8Array): boolean => {
  const head = Buffer.from(content.buffer, content.byteOffset, Math.min(content.length, 1024))
    .toString('utf8').replace(/^\uFEFF/, '').trimStart().replace(/^(?:<!--[\s\S]*?-->\s*)+/, '').slice(0, 14).toLowerCase();
  return head.startsWith('<!doctype html') || /^<html[\s>]/.test(head);
};
