// POST /v1/documents, GET and DELETE /v1/documents/{id} (PROTOCOL.md §2).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, type ApiKeyStore } from '../auth.js';
import {
  collectionOf, fileNameOf, metadataFromJson, metadataOf, optionalId, requiredId, textContentOf, titleOf, TEXT_MIME_TYPE, uploadMimeType,
  type DocumentSubmission,
} from '../documents/document-input.js';
import type { DocumentService } from '../documents/document-service.js';
import { IngressError, invalidRequest } from '../errors.js';
import { admitHttp, type RateLimiter } from '../limits/rate-limiter.js';
import { parseJsonObject, readBody, sendJson } from './http-io.js';
import { isMultipart, readMultipart } from './multipart.js';

export interface DocumentRoutesOptions {
  documents: DocumentService;
  auth: ApiKeyStore;
  /** INGEST_MAX_DOCUMENT_BYTES. */
  maxDocumentBytes: number;
  /** Counts POST and DELETE requests against the key's rate; none = unlimited. */
  rateLimiter?: RateLimiter;
}

/** Room for JSON syntax and escapes, form fields and part headers around the document itself. */
export const BODY_OVERHEAD_BYTES = 1024 * 1024;

export interface RouteRequest {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  requestId: string;
}

export const createDocumentRoutes = ({ documents, auth, maxDocumentBytes, rateLimiter }: DocumentRoutesOptions) => {
  const maxBodyBytes = maxDocumentBytes + BODY_OVERHEAD_BYTES;

  const submissionFromJson = (body: Record<string, unknown>): DocumentSubmission => ({
    documentId: optionalId(body.id, 'id'),
    collection: collectionOf(body.collection),
    title: titleOf(body.title),
    fileName: null,
    mimeType: TEXT_MIME_TYPE,
    content: textContentOf(body.text),
    metadata: metadataOf(body.metadata),
  });

  const post = async ({ request, response, requestId }: RouteRequest): Promise<void> => {
    const principal = await authenticate(auth, request.headers.authorization);
    await admitHttp(rateLimiter, principal, response);
    const contentType = request.headers['content-type'];
    let submission: DocumentSubmission;
    if (isMultipart(contentType)) {
      const upload = await readMultipart(request, response, { maxFileBytes: maxDocumentBytes, maxBodyBytes });
      submission = {
        documentId: optionalId(upload.fields.id, 'id'),
        collection: collectionOf(upload.fields.collection),
        title: titleOf(upload.fields.title),
        fileName: fileNameOf(upload.fileName),
        mimeType: uploadMimeType(upload.mimeType, upload.fileName),
        content: upload.content,
        metadata: upload.fields.metadata === undefined ? {} : metadataFromJson(upload.fields.metadata),
      };
    } else if (/^application\/json\b/i.test(contentType ?? '')) {
      submission = submissionFromJson(parseJsonObject(await readBody(request, response, maxBodyBytes)));
    } else {
      throw invalidRequest('Send the document as application/json {"text": …} or as multipart/form-data with a "file" part.');
    }
    const prepared = documents.prepareUpsert(principal, submission, requestId);
    await documents.upsert(prepared);
    sendJson(response, 202, { documentId: prepared.reference.documentId, status: 'accepted', collection: prepared.reference.collection, version: prepared.version });
  };

  const referenceOf = async ({ request, url }: RouteRequest, encodedId: string) => {
    const principal = await authenticate(auth, request.headers.authorization);
    let documentId: string;
    try {
      documentId = decodeURIComponent(encodedId);
    } catch {
      throw invalidRequest('The document id in the path is not valid percent-encoding.');
    }
    const reference = { tenantId: principal.tenantId, collection: collectionOf(url.searchParams.get('collection') ?? undefined), documentId: requiredId(documentId, 'id') };
    return { principal, reference };
  };

  const get = async (route: RouteRequest, encodedId: string): Promise<void> => {
    const { reference } = await referenceOf(route, encodedId);
    const state = await documents.status(reference);
    if (!state) throw new IngressError('not_found', `No document "${reference.documentId}" in collection "${reference.collection}".`);
    sendJson(route.response, 200, {
      documentId: reference.documentId, collection: reference.collection, status: state.status, chunks: state.chunks,
      ...(state.error ? { error: state.error } : {}),
    });
  };

  const remove = async (route: RouteRequest, encodedId: string): Promise<void> => {
    const { principal, reference } = await referenceOf(route, encodedId);
    await admitHttp(rateLimiter, principal, route.response);
    await documents.remove(principal, reference, route.requestId);
    sendJson(route.response, 202, { documentId: reference.documentId, status: 'accepted', collection: reference.collection });
  };

  return { post, get, remove };
};

export type DocumentRoutes = ReturnType<typeof createDocumentRoutes>;
