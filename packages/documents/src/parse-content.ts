import { describeInput, detectFormat, type DocumentFormat, type DocumentInput } from './detect.js';
import { DocumentError } from './errors.js';
import { contentHash } from './hash.js';
import { extractHtml } from './html.js';
import { checkSize, type ResolvedParseLimits } from './limits.js';
import { extractMarkdown } from './markdown.js';
import { normalizeText } from './normalize.js';
import { extractPdf } from './pdf.js';
import { decodeText } from './text-decoding.js';

/** A document reduced to its text. The same bytes always give the same text, hence the same hash. */
export interface ParsedDocument {
  /** Normalised text (NFC, `\n` line ends, paragraphs separated by one blank line). Never empty. */
  text: string;
  format: DocumentFormat;
  /** HTML `<title>`, the first Markdown heading, or the PDF's Title metadata. */
  title?: string;
  /** PDFs only: the page count. */
  pages?: number;
  /** PDFs only: the offset in `text` where each page starts (for citing page numbers). */
  pageOffsets?: number[];
  /** `sha256:` + hex of `text` (not of the file): an unchanged document gives the same hash. */
  contentHash: string;
}

const formatNames: Readonly<Record<DocumentFormat, string>> = { text: 'plain text', markdown: 'Markdown', html: 'HTML', pdf: 'PDF' };

const extractFromText = (format: Exclude<DocumentFormat, 'pdf'>, source: string): { text: string; title?: string } => {
  if (format === 'markdown') return extractMarkdown(source);
  if (format === 'html') return extractHtml(source);
  return { text: source };
};

/**
 * The whole parse, in whatever thread calls it (parseDocument runs it in a worker it can terminate).
 * Throws only DocumentError: anything a parser library throws on bad input is reported as such.
 */
export const parseContent = async (input: DocumentInput, limits: ResolvedParseLimits): Promise<ParsedDocument> => {
  const name = describeInput(input);
  checkSize(input.content, limits, name);
  const { format, declared } = detectFormat(input);
  try {
    if (format === 'pdf') {
      const pdf = await extractPdf(input.content, limits, name);
      return { ...pdf, pageOffsets: [...pdf.pageOffsets], format, contentHash: contentHash(pdf.text) };
    }
    const source = decodeText(input.content, { declared, name, formatName: formatNames[format] });
    const extracted = extractFromText(format, source);
    const text = normalizeText(extracted.text);
    if (text === '') {
      throw new DocumentError('no_text', `${name} was read as ${formatNames[format]} but contains no readable text (only markup, scripts or whitespace). Upload a document with text in it.`);
    }
    if (text.length > limits.maxTextCharacters) {
      throw new DocumentError('too_large', `${name} holds ${text.length.toLocaleString('en')} characters of text; at most ${limits.maxTextCharacters.toLocaleString('en')} are accepted. Split it into smaller documents.`);
    }
    const document: ParsedDocument = { text, format, contentHash: contentHash(text) };
    if (extracted.title !== undefined) document.title = extracted.title;
    return document;
  } catch (error) {
    if (error instanceof DocumentError) throw error;
    // Stack overflow on absurd nesting and the like: the document is at fault, not the worker.
    const code = format === 'pdf' ? 'invalid_pdf' : 'unsupported_type';
    const detail = (error instanceof Error ? error.message : String(error)).slice(0, 200);
    throw new DocumentError(code, `${name} could not be read as ${formatNames[format]} (${detail}). Re-export it or upload it as plain text.`, { cause: error });
  }
};
