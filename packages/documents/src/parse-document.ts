import { describeInput, type DocumentInput } from './detect.js';
import { checkSize, resolveParseLimits, type ParseLimits } from './limits.js';
import type { ParsedDocument } from './parse-content.js';
import { parseInThread } from './parser-thread.js';

/**
 * Reads a document's text: plain text, Markdown, HTML or PDF, detected from the MIME type, then the file
 * extension, then the bytes. Runs in a worker thread that is terminated when `limits.timeoutMs` runs out.
 *
 * @throws DocumentError (never retriable) for every document it cannot or will not read; the message
 *   tells the uploader what to do. RangeError for invalid limits, TypeError for a content that is not bytes.
 */
export const parseDocument = async (input: DocumentInput, limits: ParseLimits = {}): Promise<ParsedDocument> => {
  const resolved = resolveParseLimits(limits);
  if (!(input.content instanceof Uint8Array)) throw new TypeError('parseDocument: input.content must be a Buffer or Uint8Array');
  const name = describeInput(input);
  // Checked here too so that an over-size upload is refused before it is even copied to a thread.
  checkSize(input.content, resolved, name);
  const content = new Uint8Array(input.content);
  const request = { content, limits: resolved, ...(input.mimeType === undefined ? {} : { mimeType: input.mimeType }), ...(input.fileName === undefined ? {} : { fileName: input.fileName }) };
  return parseInThread(request, { timeoutMs: resolved.timeoutMs, name, transfer: [content.buffer] });
};
