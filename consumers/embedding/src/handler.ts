import { envelopeFrom, type Handler } from '@rivulet/kafka';
import { chunkKey, TOPICS, type EventRecords } from '@rivulet/schemas';
import type { EmbedOptions } from './batcher.js';

/** What the handlers need of the BatchingEmbedder. */
export interface EmbedderPort {
  embed(text: string, options?: EmbedOptions): Promise<Float32Array>;
}

export interface ModelIdentity {
  id: string;
  version: string;
  dimension: number;
}

export interface EmbeddingHandlerDependencies {
  embedder: EmbedderPort;
  model: ModelIdentity;
}

/** chunk-created in, chunk-embedded out: the chunk and its vector, with the model that made it. */
export const createEmbeddingHandler =
  ({ embedder, model }: EmbeddingHandlerDependencies): Handler<EventRecords, 'chunk-created', 'chunk-embedded'> =>
  async (event) => {
    const { chunk } = event.payload;
    const vector = await embedder.embed(chunk.text);
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
