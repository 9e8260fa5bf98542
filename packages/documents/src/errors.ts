/**
 * Why a document was refused. Every code is permanent for the same bytes: retrying cannot help,
 * so the consumer runtime should dead-letter the event (or tell the uploader) rather than retry.
 */
export type DocumentErrorCode =
  /** The file has no bytes, or only whitespace. */
  | 'empty_document'
  /** Not a format this package reads (an image, an archive, a Word file, ...). */
  | 'unsupported_type'
  /** Declared as text (plain, Markdown, HTML) but the bytes are binary or not UTF-8. */
  | 'not_text'
  /** Declared or detected as PDF but truncated, corrupt or not a PDF at all. */
  | 'invalid_pdf'
  /** Over `maxBytes`, over `maxTextCharacters` of extracted text, or needed too much memory. */
  | 'too_large'
  /** A PDF with more pages than `maxPages`. */
  | 'too_many_pages'
  /** Parsing took longer than `timeoutMs` and was stopped. */
  | 'parse_timeout'
  /** Compressed streams inside the document inflate beyond `maxDecompressedBytes`. */
  | 'decompression_bomb'
  /** The document parsed but holds no extractable text (e.g. a scanned PDF without a text layer). */
  | 'no_text';

export const documentErrorCodes: readonly DocumentErrorCode[] = [
  'empty_document', 'unsupported_type', 'not_text', 'invalid_pdf', 'too_large', 'too_many_pages',
  'parse_timeout', 'decompression_bomb', 'no_text',
];

/**
 * The one error `parseDocument` throws for a bad document. The message is written for the person
 * who uploaded the file: it says what is wrong and what to do about it.
 */
export class DocumentError extends Error {
  readonly code: DocumentErrorCode;
  /** Always false: the same bytes fail the same way. */
  readonly retriable = false;

  constructor(code: DocumentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DocumentError';
    this.code = code;
  }
}

export const isDocumentErrorCode = (value: unknown): value is DocumentErrorCode =>
  typeof value === 'string' && (documentErrorCodes as readonly string[]).includes(value);
