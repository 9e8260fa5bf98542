// The document frames of one WebSocket session (`ingest`, `delete_document`): each is answered
// `ingest_status` `accepted` once published, then the pipeline's statuses follow for that id.
import type { DocumentReference } from '@rivulet/schemas';
import type { ParsedFrame, ServerFrame } from '@rivulet/protocol';
import type { ApiKeyPrincipal } from '../auth.js';
import type { DocumentService } from '../documents/document-service.js';
import type { StatusRouter, StatusTarget, Watch } from '../status/status-router.js';
import { deleteTarget, frameIdOf, ingestSubmission } from './frames.js';

export interface DocumentFramesOptions {
  documents: DocumentService;
  router: StatusRouter;
  /** Where this session's statuses go. */
  target: StatusTarget;
  send: (frame: ServerFrame) => void;
}

export interface DocumentFrames {
  ingest(who: ApiKeyPrincipal, frame: ParsedFrame, requestId: string): Promise<void>;
  remove(who: ApiKeyPrincipal, frame: ParsedFrame, requestId: string): Promise<void>;
}

export const createDocumentFrames = ({ documents, router, target, send }: DocumentFramesOptions): DocumentFrames => {
  /** Runs the request with its watch held: statuses are sent after `accepted`, none when the request failed. */
  const watched = async (watch: Watch, frameId: string, documentId: string, request: () => Promise<unknown>): Promise<void> => {
    try {
      await request();
    } catch (error) {
      watch.cancel();
      throw error;
    }
    send({ type: 'ingest_status', id: frameId, documentId, status: 'accepted' });
    watch.open();
  };

  const ingest = async (who: ApiKeyPrincipal, frame: ParsedFrame, requestId: string): Promise<void> => {
    const frameId = frameIdOf(frame);
    const prepared = documents.prepareUpsert(who, ingestSubmission(frame), requestId);
    const watch = router.watch(target, frameId, prepared.reference, 'upsert', prepared.version);
    await watched(watch, frameId, prepared.reference.documentId, () => documents.upsert(prepared));
  };

  const remove = async (who: ApiKeyPrincipal, frame: ParsedFrame, requestId: string): Promise<void> => {
    const frameId = frameIdOf(frame);
    const { documentId, collection } = deleteTarget(frame);
    const reference: DocumentReference = { tenantId: who.tenantId, collection, documentId };
    const watch = router.watch(target, frameId, reference, 'delete', null);
    await watched(watch, frameId, documentId, () => documents.remove(who, reference, requestId));
  };

  return { ingest, remove };
};
