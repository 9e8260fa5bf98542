import { envelopeFrom, type Handler } from '@rivulet/kafka';
import { TOPICS, type EventRecords } from '@rivulet/schemas';
import type { EmbedderPort } from './handler.js';

export interface QueryEmbeddingHandlerDependencies {
  /** The same embedder (model, cache, batches) as the chunks: questions and chunks share one vector space. */
  embedder: EmbedderPort;
  /**
   * The text of a question handed to the embedder. Default: the message as is, embedded with
   * `fitToModel` (the embedder cuts it to what its model of the moment reads: fitQueryToModel).
   * all-MiniLM-L6-v2 is symmetric: questions get no prefix, exactly as chunks get none.
   */
  queryText?: (message: string) => string;
  /** The clock the deadline is checked against (tests pass their own). */
  now?: () => number;
  /** Told about each request dropped because the ingress has already answered it with `timeout`. */
  onExpired?: (request: { requestId: string; deadlineAt: number }) => void;
}

/**
 * chat-request-received in, query-embedded out (same key: the conversation): the request
 * unchanged and the embedding of its question, computed in the embedder's high-priority lane so a
 * chat never waits behind an ingestion backlog. `rag` false passes through with a null embedding
 * and no model work; a request past its deadline is dropped (no output).
 */
export const createQueryEmbeddingHandler =
  ({ embedder, queryText = (message) => message, now = Date.now, onExpired }: QueryEmbeddingHandlerDependencies): Handler<EventRecords, 'chat-request-received', 'query-embedded'> =>
  async (event) => {
    const { request } = event.payload;
    if (now() > request.deadlineAt) {
      onExpired?.(request);
      return [];
    }
    const embedded = request.rag ? await embedder.embed(queryText(request.message), { priority: 'high', fitToModel: true }) : undefined;
    return [
      {
        topic: TOPICS.queriesEmbedded,
        type: 'query-embedded',
        key: request.conversationId,
        value: {
          ...envelopeFrom(event),
          payload: {
            request,
            embedding: embedded === undefined ? null
              : { modelId: embedded.model.id, modelVersion: embedded.model.version, dimension: embedded.model.dimension, vector: Array.from(embedded.vector) },
          },
        },
      },
    ];
  };
