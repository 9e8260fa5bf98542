import { DocumentError } from './errors.js';
import { looksLikeHtml, sniffSignature } from './signatures.js';

export type DocumentFormat = 'text' | 'markdown' | 'html' | 'pdf';

/** What the caller knows about the bytes; every field but `content` may be missing or wrong. */
export interface DocumentInput {
  content: Uint8Array;
  /** E.g. `text/markdown; charset=utf-8`. Parameters are ignored. */
  mimeType?: string;
  /** Only its extension is used. */
  fileName?: string;
}

export interface Detection {
  readonly format: DocumentFormat;
  /** True when the caller said what the file is (MIME type or extension), false when we guessed it from the bytes. */
  readonly declared: boolean;
}

const mimeFormats: Readonly<Record<string, DocumentFormat>> = {
  'text/plain': 'text', 'text/markdown': 'markdown', 'text/x-markdown': 'markdown',
  'text/html': 'html', 'application/xhtml+xml': 'html',
  'application/pdf': 'pdf', 'application/x-pdf': 'pdf', 'application/acrobat': 'pdf',
  'application/json': 'text', 'application/x-ndjson': 'text', 'application/xml': 'text',
  'application/yaml': 'text', 'application/x-yaml': 'text', 'application/toml': 'text',
  'application/javascript': 'text', 'application/x-javascript': 'text', 'application/sql': 'text',
  'application/x-sh': 'text', 'application/x-tex': 'text',
};
/** MIME types that say nothing about the content: fall through to the extension. */
const genericMimeTypes = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown', 'application/x-unknown', 'application/download', 'application/x-download']);

const extensionFormats: Readonly<Record<string, DocumentFormat>> = {
  md: 'markdown', markdown: 'markdown', mdown: 'markdown', mkd: 'markdown', mkdn: 'markdown', mdwn: 'markdown',
  html: 'html', htm: 'html', xhtml: 'html', shtml: 'html',
  pdf: 'pdf',
  txt: 'text', text: 'text', log: 'text', csv: 'text', tsv: 'text', json: 'text', jsonl: 'text', ndjson: 'text',
  yaml: 'text', yml: 'text', xml: 'text', toml: 'text', ini: 'text', cfg: 'text', conf: 'text', rst: 'text',
  adoc: 'text', asciidoc: 'text', tex: 'text', srt: 'text', vtt: 'text', sql: 'text',
};

const formatFromMimeType = (mimeType: string | undefined): DocumentFormat | 'generic' | undefined => {
  const essence = (mimeType ?? '').split(';')[0]!.trim().toLowerCase();
  if (genericMimeTypes.has(essence)) return 'generic';
  const known = mimeFormats[essence];
  if (known) return known;
  if (essence.startsWith('text/') || essence.endsWith('+json') || essence.endsWith('+xml')) return 'text';
  return undefined;
};

const extensionOf = (fileName: string | undefined): string => {
  const base = (fileName ?? '').split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
};

export const describeInput = (input: Pick<DocumentInput, 'fileName'>): string =>
  input.fileName ? `"${input.fileName.slice(0, 200)}"` : 'The document';

const supported = 'Upload plain text (UTF-8), Markdown, HTML or PDF.';

/**
 * Decides how to read the bytes: the MIME type first, then the file extension, then the content.
 * Archives are refused whatever they are declared as.
 */
export const detectFormat = (input: DocumentInput): Detection => {
  const signature = sniffSignature(input.content);
  const name = describeInput(input);
  if (signature?.kind === 'archive') {
    throw new DocumentError('unsupported_type',
      `${name} is ${signature.description}, not a document we can read. Archives and compressed files are never unpacked ` +
      `(they can hide decompression bombs). Export Word or other office files as PDF; otherwise extract the document and upload it on its own. ${supported}`);
  }
  const fromMimeType = formatFromMimeType(input.mimeType);
  if (fromMimeType === undefined) {
    throw new DocumentError('unsupported_type', `${name} has MIME type "${(input.mimeType ?? '').slice(0, 100)}", which we cannot read. ${supported}`);
  }
  if (fromMimeType !== 'generic') return { format: fromMimeType, declared: true };
  const fromExtension = extensionFormats[extensionOf(input.fileName)];
  if (fromExtension) return { format: fromExtension, declared: true };
  if (signature?.kind === 'pdf') return { format: 'pdf', declared: false };
  if (signature) throw new DocumentError('unsupported_type', `${name} is ${signature.description}, which we cannot read. ${supported}`);
  return { format: looksLikeHtml(input.content) ? 'html' : 'text', declared: false };
};
