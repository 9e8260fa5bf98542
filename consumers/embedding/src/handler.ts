import { envelopeFrom, type Handler } from '@rivulet/kafka';
import { chunkKey, TOPICS, type EventRecords } from '@rivulet/schemas';
import type { EmbeddedText, EmbedOptions } from './batcher.js';

/** What the handlers need of the BatchingEmbedder: a vector and the model that made it. */
export interface EmbedderPort {
  embed(text: string, options?: EmbedOptions): Promise<EmbeddedText>;
}

export interface EmbeddingHandlerDependencies {
  embedder: EmbedderPort;
}

/**
 * chunk-created in, chunk-embedded out: the chunk and its vector, with the model that made it
 * (the embedder's model of that batch: a re-index may swap it between two chunks).
 */
export const createEmbeddingHandler =
  ({ embedder }: EmbeddingHandlerDependencies): Handler<EventRecords, 'chunk-created', 'chunk-embedded'> =>
  async (event) => {
    const { chunk } = event.payload;
    const { vector, model } = await embedder.embed(chunk.text);
    return [
      {
        topic: TOPICS.chunksEmbedded,
        type: 'chunk-embedded',
        key: chunkKey({ tenantId: event.tenantId, collection: chunk.collection, documentId: chunk.documentId }, chunk.index),
        value: {
          ...envelopeFrom(event),
          payload: { chunk, embedding: { modelId: model.id, modelVersion: model.version, dimension: model.dimension, vector: Array.from(vector) } },
        },
      },
    ];
  };
