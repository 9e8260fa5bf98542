import { envelopeFrom, NonRetriableError, type Handler, type HandlerContext, type OutgoingEvent } from '@rivulet/kafka';
import { TOPICS, type EventRecords } from '@rivulet/schemas';
import type { PersistedMessage } from '@rivulet/store';
import { nameBasedUuid } from './event-id.js';
import type { MessageStore } from './message-store.js';

export interface PersistenceDependencies {
  store: MessageStore;
}

/** The event types the persistence worker takes. */
export type PersistenceInput = 'chat-request-received' | 'reply-end';

type RequestReceived = EventRecords['chat-request-received'];
type ReplyEnd = EventRecords['reply-end'];
type Persisted = OutgoingEvent<EventRecords, 'message-persisted'>;

interface StoredTurn {
  conversationId: string;
  requestId: string;
  role: 'user' | 'assistant';
  message: PersistedMessage;
}

const isRequest = (event: RequestReceived | ReplyEnd, context: HandlerContext<PersistenceInput>): event is RequestReceived =>
  context.eventType === 'chat-request-received';

/**
 * The question of a chat request, created at the request's acceptance by the ingress (acceptedAt,
 * which is this event's occurredAt; events written before that field existed carry only the
 * latter). A search request has no question to keep.
 */
const storeQuestion = async (store: MessageStore, event: RequestReceived): Promise<StoredTurn | undefined> => {
  const { request } = event.payload;
  if (request.kind === 'search') return undefined;
  if (request.kind !== 'chat') throw new NonRetriableError(`Unknown request kind "${request.kind}"`);
  const message = await store.storeQuestion({
    tenantId: event.tenantId, conversationId: request.conversationId, requestId: request.requestId,
    content: request.message, createdAt: request.acceptedAt ?? event.occurredAt, userId: request.userId, model: request.model,
    metadata: { model: request.model, rag: request.rag, collection: request.collection, apiKeyId: request.apiKeyId },
  });
  return { conversationId: request.conversationId, requestId: request.requestId, role: 'user', message };
};

/** The answer of a chat that completed; errors and search results are not stored. */
const storeAnswer = async (store: MessageStore, event: ReplyEnd): Promise<StoredTurn | undefined> => {
  const reply = event.payload;
  if (reply.kind === 'search') return undefined;
  if (reply.kind !== 'chat') throw new NonRetriableError(`Unknown reply kind "${reply.kind}"`);
  if (reply.status === 'error') return undefined;
  if (reply.status !== 'done') throw new NonRetriableError(`Unknown reply status "${reply.status}"`);
  const message = await store.storeAnswer({
    tenantId: event.tenantId, conversationId: reply.conversationId, requestId: reply.requestId, messageId: reply.messageId,
    content: reply.content, createdAt: event.occurredAt, usage: reply.usage, model: reply.model || null,
    metadata: {
      sources: reply.sources, model: reply.model, provider: reply.provider, finishReason: reply.finishReason,
      latencyMs: reply.latencyMs, costUsd: reply.costUsd,
    },
  });
  return { conversationId: reply.conversationId, requestId: reply.requestId, role: 'assistant', message };
};

/**
 * chat-request-received (kind chat) -> the question; reply-end (kind chat, status done) -> the
 * answer; each followed by message-persisted. The event is published on every delivery, not only
 * the one that inserted the row: a crash between the commit and the publish must not lose it.
 * Its eventId derives from the message, so a repeat carries the same eventId.
 */
export const createPersistenceHandler =
  ({ store }: PersistenceDependencies): Handler<EventRecords, PersistenceInput, 'message-persisted'> =>
  async (event, context) => {
    const stored = isRequest(event, context) ? await storeQuestion(store, event) : await storeAnswer(store, event);
    if (!stored) return [];
    const persisted: Persisted = {
      topic: TOPICS.messagesPersisted,
      type: 'message-persisted',
      key: stored.conversationId,
      value: {
        ...envelopeFrom(event),
        eventId: nameBasedUuid(`message-persisted\u0000${event.tenantId}\u0000${stored.message.id}`),
        payload: {
          conversationId: stored.conversationId, messageId: stored.message.id, role: stored.role,
          requestId: stored.requestId, tokens: stored.message.tokens,
        },
      },
    };
    return [persisted];
  };
