// POST /v1/documents, GET and DELETE /v1/documents/{id} (PROTOCOL.md §2).
import type { DocumentReference } from '@rivulet/schemas';
import {
  collectionOf, fileNameOf, metadataFromJson, metadataOf, optionalId, requiredId, textContentOf, titleOf, TEXT_MIME_TYPE, uploadMimeType,
  type DocumentSubmission,
} from '../documents/document-input.js';
import type { DocumentService } from '../documents/document-service.js';
import { IngressError, invalidRequest } from '../errors.js';
import { parseJsonObject, readBody, sendJson } from './http-io.js';
import { isMultipart, readMultipart } from './multipart.js';
import { decodedPathParameter, type AuthenticatedRequest, type GuardedRequest, type RouteGuard } from './route-guard.js';

export interface DocumentRoutesOptions {
  documents: DocumentService;
  /** Authenticates every route; POST and DELETE are counted against the key's rate. */
  guard: RouteGuard;
  /** INGEST_MAX_DOCUMENT_BYTES. */
  maxDocumentBytes: number;
}

/** Room for JSON syntax and escapes, form fields and part headers around the document itself. */
export const BODY_OVERHEAD_BYTES = 1024 * 1024;

export const createDocumentRoutes = ({ documents, guard, maxDocumentBytes }: DocumentRoutesOptions) => {
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

  const post = async ({ request, response, requestId, principal }: GuardedRequest): Promise<void> => {
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

  /** The document the path names, in the caller's tenant. */
  const referenceOf = (route: AuthenticatedRequest): DocumentReference => {
    const documentId = decodedPathParameter(route, 'document');
    return { tenantId: route.principal.tenantId, collection: collectionOf(route.url.searchParams.get('collection') ?? undefined), documentId: requiredId(documentId, 'id') };
  };

  const get = async ({ response, parameters: reference }: GuardedRequest<DocumentReference>): Promise<void> => {
    const state = await documents.status(reference);
    if (!state) throw new IngressError('not_found', `No document "${reference.documentId}" in collection "${reference.collection}".`);
    sendJson(response, 200, {
      documentId: reference.documentId, collection: reference.collection, status: state.status, chunks: state.chunks,
      ...(state.error ? { error: state.error } : {}),
    });
  };

  const remove = async ({ response, principal, requestId, parameters: reference }: GuardedRequest<DocumentReference>): Promise<void> => {
    await documents.remove(principal, reference, requestId);
    sendJson(response, 202, { documentId: reference.documentId, status: 'accepted', collection: reference.collection });
  };

  return {
    post: guard({ counted: true }, post),
    get: guard({ counted: false, parameters: referenceOf }, get),
    remove: guard({ counted: true, parameters: referenceOf }, remove),
  };
};

export type DocumentRoutes = ReturnType<typeof createDocumentRoutes>;
