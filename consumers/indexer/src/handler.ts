import { envelopeFrom, type Handler } from '@rivulet/kafka';
import { documentKey, TOPICS, type EventRecords } from '@rivulet/schemas';
import type { ChunkStore } from './chunk-store.js';

export interface IndexerDependencies {
  store: ChunkStore;
}

/**
 * chunk-embedded in; document-indexed (completed) out when the chunk completed its document
 * version in the active index. Everything else is the store's transaction.
 */
export const createIndexerHandler =
  ({ store }: IndexerDependencies): Handler<EventRecords, 'chunk-embedded', 'document-indexed'> =>
  async (event) => {
    const { chunk, embedding } = event.payload;
    const result = await store.index(event.tenantId, chunk, embedding);
    if (result.outcome !== 'completed' || !result.active) return [];
    return [
      {
        topic: TOPICS.documentsIndexed,
        type: 'document-indexed',
        key: documentKey({ tenantId: event.tenantId, collection: chunk.collection, documentId: chunk.documentId }),
        value: {
          ...envelopeFrom(event),
          payload: {
            documentId: chunk.documentId, collection: chunk.collection, documentVersion: chunk.documentVersion,
            status: 'completed', chunkCount: result.chunkCount, error: null,
          },
        },
      },
    ];
  };
