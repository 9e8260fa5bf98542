/**
 * PDF text extraction with PDF.js, through `unpdf` 1.7.0.
 *
 * Why unpdf: it ships Mozilla's PDF.js (5.6) as one self-contained "serverless" bundle with no
 * dependencies, no native modules and no network access (it never fetches fonts, CMaps or a worker
 * script), and it runs PDF.js on the calling thread, which here is our own terminable worker thread.
 * `pdfjs-dist` is the same engine but wants its own worker script set up and pulls the native
 * `@napi-rs/canvas` as an optional dependency; `pdf-parse` v2 wraps `pdfjs-dist` and depends on that
 * native canvas outright. unpdf 1.8 requires Node 22, so 1.7.0 is the newest release for our Node 20.
 *
 * PDF.js inflates streams in JavaScript with no size cap (a 200 kB stream of zeros took 3 s and 500 MB
 * in a trial), so the file's streams are measured first with bounded memory (./pdf-streams.ts).
 * Known gap: streams of an encrypted PDF cannot be measured without decrypting them; for those the
 * timeout and the worker's heap limit are the only guards.
 */
import { DocumentError } from './errors.js';
import { formatBytes, type ResolvedParseLimits } from './limits.js';
import { cleanTitle, normalizeText } from './normalize.js';
import { measurePdfStreams } from './pdf-streams.js';
import { looksLikeHtml, pdfHeaderOffset, sniffSignature } from './signatures.js';

export interface ExtractedPdf {
  /** Normalised text, pages separated by a blank line. */
  readonly text: string;
  readonly title?: string;
  readonly pages: number;
  /** Where each page's text starts in `text` (an empty page starts where the next one does). */
  readonly pageOffsets: readonly number[];
}

interface PositionedText { str: string; hasEOL: boolean; transform: unknown[]; height: number }

/** A blank line where the gap to the previous line is clearly larger than the line spacing. */
const paragraphGap = 1.8;

const pageText = (items: readonly object[]): string => {
  let text = '';
  let previousY: number | undefined, previousHeight = 0;
  for (const item of items) {
    if (!('str' in item)) continue;
    const { str, hasEOL, transform, height } = item as PositionedText;
    const y = Number(transform[5]);
    const lineHeight = Math.max(Math.abs(height), previousHeight);
    if (text.endsWith('\n') && previousY !== undefined && lineHeight > 0 && Math.abs(previousY - y) > paragraphGap * lineHeight) text += '\n';
    text += str;
    if (hasEOL) text += '\n';
    if (str !== '') { previousY = y; previousHeight = Math.abs(height); }
  }
  return normalizeText(text);
};

/** Refuses what is not a whole PDF before PDF.js, which repairs what it can, gets to see it. */
const checkStructure = (content: Uint8Array, name: string): void => {
  if (pdfHeaderOffset(content) < 0) {
    const signature = sniffSignature(content);
    const actually = signature ? ` It looks like ${signature.description}.` : looksLikeHtml(content) ? ' It looks like an HTML page (perhaps an error page saved under a .pdf name).' : '';
    throw new DocumentError('invalid_pdf', `${name} is not a PDF: it has no %PDF- header.${actually} Upload the actual PDF file.`);
  }
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.length);
  // Every complete PDF (incremental updates included) ends its last section with %%EOF after its last object.
  if (bytes.lastIndexOf('%%EOF', undefined, 'latin1') < bytes.lastIndexOf('endobj', undefined, 'latin1') || !bytes.includes('%%EOF', 0, 'latin1')) {
    throw new DocumentError('invalid_pdf', `${name} is truncated: the PDF does not end with its %%EOF marker. Upload the complete file (download or export it again).`);
  }
};

const fromPdfJsError = (error: unknown, name: string): DocumentError => {
  if (error instanceof DocumentError) return error;
  const errorName = error instanceof Error ? error.name : '';
  const detail = (error instanceof Error ? error.message : String(error)).slice(0, 200);
  if (errorName === 'PasswordException') {
    return new DocumentError('unsupported_type', `${name} is password-protected. Remove the password (for example by printing it to a new PDF) and upload it again.`, { cause: error });
  }
  return new DocumentError('invalid_pdf', `${name} is damaged and cannot be read (${detail}). Open and re-save or re-export it, then upload it again.`, { cause: error });
};

export const extractPdf = async (content: Uint8Array, limits: ResolvedParseLimits, name: string): Promise<ExtractedPdf> => {
  checkStructure(content, name);
  const streams = await measurePdfStreams(content, limits.maxDecompressedBytes);
  if (streams.exceeded) {
    throw new DocumentError('decompression_bomb',
      `${name} is a decompression bomb: its compressed streams inflate to more than ${formatBytes(limits.maxDecompressedBytes)} ` +
      `from a ${formatBytes(content.length)} file, so it was not opened. If it is a genuine document, re-export it or print it to a new PDF.`);
  }
  // Loaded on first use so that text, Markdown and HTML parses never pay for PDF.js.
  const { getDocumentProxy } = await import('unpdf');
  const document = await getDocumentProxy(content.slice(), {
    verbosity: 0, isEvalSupported: false, stopAtErrors: true, disableFontFace: true, useSystemFonts: false, enableXfa: false,
  }).catch((error: unknown) => { throw fromPdfJsError(error, name); });
  try {
    const pages = document.numPages;
    if (pages > limits.maxPages) {
      throw new DocumentError('too_many_pages', `${name} has ${pages} pages; at most ${limits.maxPages} are accepted. Split it into smaller PDFs and upload those.`);
    }
    const { info } = await document.getMetadata();
    const rawTitle = (info as { Title?: unknown }).Title;
    const title = cleanTitle(typeof rawTitle === 'string' ? rawTitle : undefined);
    const texts: string[] = [];
    const pageOffsets: number[] = [];
    let length = 0;
    for (let number = 1; number <= pages; number++) {
      const page = await document.getPage(number);
      const text = pageText((await page.getTextContent()).items);
      page.cleanup();
      if (text === '') {
        pageOffsets.push(-1);
        continue;
      }
      const separator = length > 0 ? 2 : 0;
      pageOffsets.push(length + separator);
      texts.push(text);
      length += separator + text.length;
      if (length > limits.maxTextCharacters) {
        throw new DocumentError('too_large', `${name} holds more than ${limits.maxTextCharacters.toLocaleString('en')} characters of text (stopped at page ${number} of ${pages}). Split it into smaller PDFs.`);
      }
    }
    if (length === 0) {
      throw new DocumentError('no_text', `${name} has ${pages} page${pages === 1 ? '' : 's'} but no text layer: it is probably scanned images. Run OCR on it (most scanners and PDF editors can) and upload the result.`);
    }
    for (let index = pageOffsets.length - 1, next = length; index >= 0; index--) {
      if (pageOffsets[index] === -1) pageOffsets[index] = next;
      else next = pageOffsets[index]!;
    }
    const text = texts.join('\n\n');
    return title === undefined ? { text, pages, pageOffsets } : { text, title, pages, pageOffsets };
  } catch (error) {
    throw fromPdfJsError(error, name);
  } finally {
    await document.destroy();
  }
};
