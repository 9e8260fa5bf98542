// Validation of what a client submits, shared by HTTP (JSON and multipart) and WebSocket. Every
// failure is an `invalid_request` whose message names the field and what it should be.
import { isUsableId, MAX_ID_LENGTH, shown } from '@rivulet/protocol';
import { invalidRequest } from '../errors.js';

export { isUsableId, MAX_ID_LENGTH, shown } from '@rivulet/protocol';

export const DEFAULT_COLLECTION = 'default';
export const MAX_TITLE_LENGTH = 1000;
export const MAX_METADATA_ENTRIES = 64;
export const MAX_METADATA_VALUE_LENGTH = 2048;
export const TEXT_MIME_TYPE = 'text/plain; charset=utf-8';

/** A document as a client sent it, checked; the service assigns what is missing. */
export interface DocumentSubmission {
  /** The client's id; undefined means "assign one". */
  documentId: string | undefined;
  collection: string;
  title: string | null;
  fileName: string | null;
  mimeType: string;
  content: Buffer;
  metadata: Record<string, string>;
}

/** A required id-like string: 1..128 characters, no control characters. The error never echoes the value. */
export const requiredId = (value: unknown, field: string): string => {
  if (!isUsableId(value)) throw invalidRequest(`"${field}" must be a string of 1 to ${MAX_ID_LENGTH} characters without control characters.`);
  return value;
};

/**
 * Every client string that can reach PostgreSQL (text and jsonb refuse U+0000) or a worker passes
 * here: a NUL is refused at the door, naming the field, instead of failing later as `internal`.
 */
/** A UTF-16 surrogate without its other half: no valid Unicode text, refused by PostgreSQL's jsonb. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Refuses what PostgreSQL cannot store (text and jsonb): NUL characters and unpaired surrogates. */
export const withoutNul = (value: string, field: string): string => {
  if (value.includes('\u0000')) throw invalidRequest(`"${field}" contains a NUL character (U+0000); remove it and send the request again.`);
  if (LONE_SURROGATE.test(value)) throw invalidRequest(`"${field}" contains an unpaired UTF-16 surrogate (not valid Unicode text); send valid UTF-8 or UTF-16 text.`);
  return value;
};

export const optionalId = (value: unknown, field: string): string | undefined =>
  value === undefined || value === null ? undefined : requiredId(value, field);

export const collectionOf = (value: unknown): string => optionalId(value, 'collection') ?? DEFAULT_COLLECTION;

export const titleOf = (value: unknown, field = 'title'): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > MAX_TITLE_LENGTH) {
    throw invalidRequest(`"${field}" must be a string of at most ${MAX_TITLE_LENGTH} characters.`);
  }
  return value === '' ? null : withoutNul(value, field);
};

/** The file name of an upload (multipart `filename`), stored with the document. */
export const fileNameOf = (value: string | null): string | null => (value === null ? null : withoutNul(value, 'filename of the "file" part'));

/** Flat metadata (or search filters, `field`): string, number and boolean values become strings; anything nested is refused. */
export const metadataOf = (value: unknown, field = 'metadata'): Record<string, string> => {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest(`"${field}" must be an object of string, number or boolean values.`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_METADATA_ENTRIES) throw invalidRequest(`"${field}" may have at most ${MAX_METADATA_ENTRIES} keys.`);
  const metadata: Record<string, string> = {};
  for (const [key, item] of entries) {
    if (key === '' || key.length > MAX_ID_LENGTH) throw invalidRequest(`"${field}" keys must be 1 to ${MAX_ID_LENGTH} characters.`);
    if (key.includes('\u0000')) throw invalidRequest(`A key of "${field}" contains a NUL character (U+0000): ${shown(key)}; remove it and send the request again.`);
    const name = `${field}.${key}`;
    const isScalar = typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item));
    if (!isScalar) throw invalidRequest(`"${name}" must be a string, a finite number or a boolean; nested values are not allowed.`);
    const text = String(item);
    if (text.length > MAX_METADATA_VALUE_LENGTH) throw invalidRequest(`"${name}" may have at most ${MAX_METADATA_VALUE_LENGTH} characters.`);
    metadata[key] = withoutNul(text, name);
  }
  return metadata;
};

/** Metadata sent as a JSON string (a multipart field). */
export const metadataFromJson = (text: string): Record<string, string> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequest('"metadata" must be a JSON object, e.g. {"source":"wiki"}.');
  }
  return metadataOf(parsed);
};

/**
 * Text given inline (`text` in JSON or a WebSocket frame). A NUL in it is refused here: the parser
 * would fail the document as binary (`not_text`) anyway, and a JSON string says it is text.
 */
export const textContentOf = (value: unknown, field = 'text'): Buffer => {
  if (typeof value !== 'string') throw invalidRequest(`"${field}" must be a string.`);
  if (value.trim() === '') throw invalidRequest(`"${field}" is empty; send the document's content.`);
  return Buffer.from(withoutNul(value, field), 'utf8');
};

const mimePattern = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;.*)?$/i;

export const mimeTypeOf = (value: unknown, field: string): string => {
  if (typeof value === 'string') withoutNul(value, field);
  if (typeof value !== 'string' || value.length > 200 || !mimePattern.test(value.trim())) {
    throw invalidRequest(`"${field}" must be a media type such as text/plain, text/markdown, text/html or application/pdf.`);
  }
  return value.trim();
};

const mimeTypesByExtension: Record<string, string> = {
  txt: TEXT_MIME_TYPE, text: TEXT_MIME_TYPE, md: 'text/markdown; charset=utf-8', markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8', htm: 'text/html; charset=utf-8', pdf: 'application/pdf',
};

/** The declared media type, or one guessed from the file name when the client sent none (or a generic one). */
export const uploadMimeType = (declared: string | undefined, fileName: string | null): string => {
  const generic = declared === undefined || declared === '' || /^application\/octet-stream\b/i.test(declared);
  if (!generic) return mimeTypeOf(declared, 'Content-Type of the file part');
  const extension = fileName?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  return (extension && mimeTypesByExtension[extension]) ?? 'application/octet-stream';
};

/** Standard base64 (`contentBase64`), checked strictly so a typo is an error instead of garbage bytes. */
export const base64ContentOf = (value: unknown): Buffer => {
  if (typeof value !== 'string' || value.length === 0 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw invalidRequest('"document.contentBase64" must be non-empty standard base64 (A-Z, a-z, 0-9, +, /, = padding).');
  }
  return Buffer.from(value, 'base64');
};
