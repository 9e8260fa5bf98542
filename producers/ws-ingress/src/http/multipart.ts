// multipart/form-data uploads: one `file` part plus a few small text fields, streamed through
// @fastify/busboy with limits so an oversized file is refused while it arrives, not after.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Busboy, type BusboyHeaders } from '@fastify/busboy';
import { shown } from '../documents/document-input.js';
import { invalidRequest, type IngressError } from '../errors.js';
import { allowBody, checkDeclaredLength, tooLarge, watchBodySize } from './http-io.js';

export const FILE_FIELD = 'file';
/** The form fields besides the file; anything else is refused so a typo does not pass silently. */
export const FORM_FIELDS = ['id', 'collection', 'title', 'metadata'] as const;
const MAX_FIELD_BYTES = 64 * 1024;

export interface MultipartUpload {
  content: Buffer;
  fileName: string | null;
  /** The part's Content-Type as sent, if any. */
  mimeType: string | undefined;
  fields: Partial<Record<(typeof FORM_FIELDS)[number], string>>;
}

export interface MultipartLimits {
  /** Largest file (the document). */
  maxFileBytes: number;
  /** Largest whole body: the file plus fields and part headers. */
  maxBodyBytes: number;
}

const isFormField = (name: string): name is (typeof FORM_FIELDS)[number] => (FORM_FIELDS as readonly string[]).includes(name);

export const isMultipart = (contentType: string | undefined): boolean => /^multipart\/form-data\b/i.test(contentType ?? '');

export const readMultipart = (request: IncomingMessage, response: ServerResponse, { maxFileBytes, maxBodyBytes }: MultipartLimits): Promise<MultipartUpload> =>
  new Promise((resolve, reject) => {
    checkDeclaredLength(request, maxBodyBytes);
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: request.headers as BusboyHeaders,
        // Every part named `file` is the file, with or without a filename.
        isPartAFile: (name) => name === FILE_FIELD,
        limits: { fileSize: maxFileBytes, files: 1, fields: FORM_FIELDS.length, fieldSize: MAX_FIELD_BYTES, parts: FORM_FIELDS.length + 1, headerPairs: 20 },
      });
    } catch (error) {
      throw invalidRequest(`The multipart body cannot be parsed: ${(error as Error).message}`);
    }
    allowBody(request, response);

    const fields: MultipartUpload['fields'] = {};
    const chunks: Buffer[] = [];
    let file: { fileName: string | null; mimeType: string | undefined } | undefined;
    let settled = false;
    const fail = (error: IngressError): void => {
      if (settled) return;
      settled = true;
      request.unpipe(parser);
      request.pause();
      parser.removeAllListeners();
      parser.on('error', () => undefined);
      reject(error);
    };
    watchBodySize(request, maxBodyBytes, fail);

    parser.on('file', (_name, stream, fileName, _encoding, mimeType) => {
      file = { fileName: fileName || null, mimeType: mimeType || undefined };
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(tooLarge(maxFileBytes)));
      stream.on('error', (error: unknown) => fail(invalidRequest(`The file part could not be read: ${(error as Error).message}`)));
    });
    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (!isFormField(name)) return fail(invalidRequest(`Unknown form field ${shown(name)}; send "${FILE_FIELD}" and optionally ${FORM_FIELDS.map((field) => `"${field}"`).join(', ')}.`));
      if (valueTruncated) return fail(invalidRequest(`Form field ${shown(name)} is longer than ${MAX_FIELD_BYTES} bytes.`));
      fields[name] = value;
    });
    parser.on('filesLimit', () => fail(invalidRequest(`Send exactly one "${FILE_FIELD}" part.`)));
    parser.on('partsLimit', () => fail(invalidRequest('Too many form parts.')));
    parser.on('fieldsLimit', () => fail(invalidRequest('Too many form fields.')));
    parser.on('error', (error: unknown) => fail(invalidRequest(`The multipart body is malformed: ${(error as Error).message}`)));
    parser.on('finish', () => {
      if (settled) return;
      if (!file) return fail(invalidRequest(`The form has no "${FILE_FIELD}" part; attach the document as ${FILE_FIELD}.`));
      settled = true;
      resolve({ content: Buffer.concat(chunks), ...file, fields });
    });
    request.on('error', (error) => fail(invalidRequest(`The request body could not be read: ${error.message}`)));
    request.pipe(parser);
  });
