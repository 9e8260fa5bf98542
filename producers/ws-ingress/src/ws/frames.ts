// Client frames (PROTOCOL.md §1): parsing and checking, before anything is done with them.
import {
  base64ContentOf, collectionOf, isUsableId, metadataOf, mimeTypeOf, optionalId, requiredId, shown, textContentOf, titleOf, TEXT_MIME_TYPE,
  type DocumentSubmission,
} from '../documents/document-input.js';
import { IngressError, invalidRequest } from '../errors.js';

/** The client frame types this server knows. */
export const CLIENT_FRAME_TYPES = ['auth', 'chat', 'ingest', 'delete_document', 'cancel', 'ping'] as const;
export type ClientFrameType = (typeof CLIENT_FRAME_TYPES)[number];

/** A frame that parsed as a JSON object with a known type. */
export interface ClientFrame {
  type: ClientFrameType;
  /** The frame's `id` when it is a usable one, for error replies. */
  id: string | undefined;
  body: Record<string, unknown>;
}

/** A frame that could not be used, with the id to answer under when it had one. */
export class FrameError extends IngressError {
  readonly frameId: string | undefined;

  constructor(frameId: string | undefined, message: string) {
    super('invalid_request', message);
    this.frameId = frameId;
  }
}

// An error answers under the frame's id only when it is a valid id (never a long or unprintable one).
const usableId = (value: unknown): string | undefined => (isUsableId(value) ? value : undefined);

const isKnownType = (type: unknown): type is ClientFrameType => (CLIENT_FRAME_TYPES as readonly unknown[]).includes(type);

/** Parses a text frame; throws FrameError for non-JSON, non-objects and unknown types. */
export const parseFrame = (text: string): ClientFrame => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FrameError(undefined, 'The frame is not JSON; send one JSON object per text frame, e.g. {"type":"ping"}.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FrameError(undefined, 'The frame must be a JSON object with a "type".');
  }
  const body = parsed as Record<string, unknown>;
  const id = usableId(body.id);
  if (!isKnownType(body.type)) {
    const type = typeof body.type === 'string' ? shown(body.type, 40) : 'missing';
    throw new FrameError(id, `Unknown frame type (${type}); expected one of ${CLIENT_FRAME_TYPES.join(', ')}.`);
  }
  return { type: body.type, id, body };
};

/** Runs a check and turns its error into a FrameError carrying the frame's id. */
const withFrameId = <T>(frameId: string | undefined, check: () => T): T => {
  try {
    return check();
  } catch (error) {
    if (error instanceof IngressError && error.code === 'invalid_request') throw new FrameError(frameId, error.message);
    throw error;
  }
};

export const frameIdOf = (frame: ClientFrame): string =>
  withFrameId(frame.id, () => requiredId(frame.body.id, 'id'));

/** `ingest {id, document: {id?, title?, text? | contentBase64 + mime}, collection?, metadata?}`. */
export const ingestSubmission = (frame: ClientFrame): DocumentSubmission => withFrameId(frame.id, () => {
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
export const deleteTarget = (frame: ClientFrame): { documentId: string; collection: string } => withFrameId(frame.id, () => ({
  documentId: requiredId(frame.body.documentId, 'documentId'),
  collection: collectionOf(frame.body.collection),
}));
