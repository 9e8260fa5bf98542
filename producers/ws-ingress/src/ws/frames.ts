// Client frames (PROTOCOL.md §1): the protocol's envelope check, then each frame's fields, before anything is done with them.
import { parseClientFrame, type ParsedFrame } from '@rivulet/protocol';
import {
  base64ContentOf, collectionOf, metadataOf, mimeTypeOf, optionalId, requiredId, textContentOf, titleOf, TEXT_MIME_TYPE,
  type DocumentSubmission,
} from '../documents/document-input.js';
import { IngressError, invalidRequest } from '../errors.js';

/** A frame that is a JSON object with a known type (the protocol's envelope check). */
export type { ParsedFrame } from '@rivulet/protocol';

/** A frame that could not be used, with the id to answer under when it had one. */
export class FrameError extends IngressError {
  readonly frameId: string | undefined;

  constructor(frameId: string | undefined, message: string) {
    super('invalid_request', message);
    this.frameId = frameId;
  }
}

/** Parses a text frame; throws the protocol's refusal (non-JSON, non-objects, unknown types) as a FrameError. */
export const parseFrame = (text: string): ParsedFrame => {
  const result = parseClientFrame(text);
  if (!result.ok) throw new FrameError(result.refusal.id, result.refusal.message);
  return result.frame;
};

/** An `invalid_request` error as a FrameError carrying the frame's id; any other error as it is. */
export const asFrameError = (frameId: string | undefined, error: unknown): unknown =>
  error instanceof IngressError && error.code === 'invalid_request' ? new FrameError(frameId, error.message) : error;

/** Runs a check and turns its error into a FrameError carrying the frame's id. */
export const withFrameId = <T>(frameId: string | undefined, check: () => T): T => {
  try {
    return check();
  } catch (error) {
    throw asFrameError(frameId, error);
  }
};

export const frameIdOf = (frame: ParsedFrame): string =>
  withFrameId(frame.id, () => requiredId(frame.body.id, 'id'));

/** `ingest {id, document: {id?, title?, text? | contentBase64 + mime}, collection?, metadata?}`. */
export const ingestSubmission = (frame: ParsedFrame): DocumentSubmission => withFrameId(frame.id, () => {
  const document = frame.body.document;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalidRequest('"document" must be an object: {"text": "…"} or {"contentBase64": "…", "mime": "application/pdf"}.');
  }
  const fields = document as Record<string, unknown>;
  const hasText = fields.text !== undefined;
  const hasBytes = fields.contentBase64 !== undefined;
  if (hasText === hasBytes) throw invalidRequest('"document" needs exactly one of "text" or "contentBase64" (with "mime").');
  return {
    documentId: optionalId(fields.id, 'document.id'),
    collection: collectionOf(frame.body.collection),
    title: titleOf(fields.title, 'document.title'),
    fileName: null,
    mimeType: hasText ? TEXT_MIME_TYPE : mimeTypeOf(fields.mime, 'document.mime'),
    content: hasText ? textContentOf(fields.text, 'document.text') : base64ContentOf(fields.contentBase64),
    metadata: metadataOf(frame.body.metadata),
  };
});

/** `delete_document {id, documentId, collection?}`. */
export const deleteTarget = (frame: ParsedFrame): { documentId: string; collection: string } => withFrameId(frame.id, () => ({
  documentId: requiredId(frame.body.documentId, 'documentId'),
  collection: collectionOf(frame.body.collection),
}));
