import { randomUUID } from 'node:crypto';
import { envelopeFrom, NonRetriableError, type Handler, type OutgoingEvent } from '@rivulet/kafka';
import { TOPICS, type Embedding, type EventRecords, type RetrievedChunk } from '@rivulet/schemas';
import type { SearchOptions, SearchResult } from './search.js';

/** What the handler asks of the store: searchChunks with the process's tuning already applied. */
export type ChunkSearch = (query: Pick<SearchOptions, 'tenantId' | 'collection' | 'filters' | 'embedding' | 'topK'>) => Promise<SearchResult>;

export interface RetrievalDependencies {
  search: ChunkSearch;
  /** The clock deadlines and latency are measured with (tests pass their own). */
  now?: () => number;
  /** Id of the reply-end's attempt (a search is answered in one attempt). */
  newAttemptId?: () => string;
  /**
   * Told, once per model (id, version, dimension) in this process, that questions arrive
   * embedded by a model with no active index version: they get no chunks until one is active.
   */
  onMissingIndex?: (model: Omit<Embedding, 'vector'>) => void;
  /** Told about each search: what kind of request, how many chunks, how long it took. */
  onSearched?: (report: { kind: 'chat' | 'search'; chunks: number; seconds: number }) => void;
  /** Told about each request dropped because the ingress has already answered it with `timeout`. */
  onExpired?: (request: { requestId: string; deadlineAt: number }) => void;
}

type Output = OutgoingEvent<EventRecords, 'context-retrieved'> | OutgoingEvent<EventRecords, 'reply-end'>;

/**
 * query-embedded in. `chat`: context-retrieved out (key conversationId), the request unchanged
 * with its chunks best first (none when rag is false). `search`: the answer itself, a reply-end
 * with the sources, produced to the replies partition the request's ingress reads; no generation
 * runs. A request past its deadline is dropped: the ingress has already answered `timeout`.
 */
export const createRetrievalHandler = ({
  search, now = Date.now, newAttemptId = randomUUID, onMissingIndex, onSearched, onExpired,
}: RetrievalDependencies): Handler<EventRecords, 'query-embedded', 'context-retrieved' | 'reply-end'> => {
  const warned = new Set<string>();

  const retrieve = async (event: EventRecords['query-embedded'], kind: 'chat' | 'search', embedding: Embedding): Promise<RetrievedChunk[]> => {
    const { request } = event.payload;
    const started = process.hrtime.bigint();
    const result = await search({ tenantId: event.tenantId, collection: request.collection, filters: request.filters, embedding, topK: request.topK });
    if (result.indexVersion === null) {
      const { modelId, modelVersion, dimension } = embedding;
      const key = `${modelId}\u0000${modelVersion}\u0000${dimension}`;
      if (!warned.has(key)) {
        warned.add(key);
        onMissingIndex?.({ modelId, modelVersion, dimension });
      }
    }
    onSearched?.({ kind, chunks: result.chunks.length, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    return result.chunks;
  };

  return async (event): Promise<Output[]> => {
    const { request, embedding } = event.payload;
    if (now() > request.deadlineAt) {
      onExpired?.(request);
      return [];
    }
    if (request.kind === 'chat') {
      const chunks = request.rag && embedding !== null ? await retrieve(event, 'chat', embedding) : [];
      return [{ topic: TOPICS.contextsRetrieved, type: 'context-retrieved', key: request.conversationId, value: { ...envelopeFrom(event), payload: { request, chunks } } }];
    }
    if (request.kind !== 'search') throw new NonRetriableError(`Unknown request kind "${request.kind}" (expected chat or search)`);
    if (embedding === null) throw new NonRetriableError('A search request arrived without an embedding (rag false?); it cannot be answered');
    const { partition } = request.replyRoute;
    if (!Number.isInteger(partition) || partition < 0) throw new NonRetriableError(`Reply partition must be a non-negative integer, got ${partition}`);
    const chunks = await retrieve(event, 'search', embedding);
    const finished = now();
    return [
      {
        topic: TOPICS.replies, type: 'reply-end', key: request.requestId, partition,
        value: {
          ...envelopeFrom(event),
          payload: {
            requestId: request.requestId, kind: 'search', attemptId: newAttemptId(), conversationId: request.conversationId, messageId: '',
            status: 'done', content: '', finishReason: null, model: '', provider: '', usage: { inputTokens: 0, outputTokens: 0 }, servedBy: [],
            // From the ingress's acceptance when the request carries it; events from before acceptedAt existed count from this stage.
            latencyMs: Math.max(0, finished - (request.acceptedAt ?? event.occurredAt)), costUsd: null, error: null,
            sources: chunks.map((chunk, index) => ({ n: index + 1, documentId: chunk.documentId, chunkId: chunk.chunkId, title: chunk.title, score: chunk.score, snippet: chunk.snippet })),
          },
        },
      },
    ];
  };
};
