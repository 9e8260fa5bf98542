// The known values of string fields that the schemas document, and the sizes the events are
// designed around. Strings rather than Avro enums: a reader meeting an enum symbol it does not
// know fails to decode the whole message, while an unknown string reaches code that can handle
// it (docs/topics.md, "Evolving the schemas"). Consumers should treat an unknown value as an error
// of that one event, not crash.

/** `reply-end.payload.status`. */
export const REPLY_STATUSES = ['done', 'error'] as const;
export type ReplyStatus = (typeof REPLY_STATUSES)[number];

/** `reply-end.payload.finishReason`. */
export const FINISH_REASONS = ['stop', 'length', 'cancelled', 'error'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

/** `message-persisted.payload.role` and `ChatTurn.role`. */
export const MESSAGE_ROLES = ['system', 'user', 'assistant'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** `document-received.payload.operation`. */
export const DOCUMENT_OPERATIONS = ['upsert', 'delete'] as const;
export type DocumentOperation = (typeof DOCUMENT_OPERATIONS)[number];

/** `document-indexed.payload.status`: `processing`, then one of the others. */
export const DOCUMENT_INDEX_STATUSES = ['processing', 'completed', 'failed', 'deleted'] as const;
export type DocumentIndexStatus = (typeof DOCUMENT_INDEX_STATUSES)[number];

/** The largest document the pipeline accepts (PROTOCOL.md `payload_too_large` above it). */
export const MAX_DOCUMENT_BYTES = 25 * 1024 * 1024;

/**
 * The largest document content carried inline in document-received; larger content goes to the
 * blob store and travels as contentUri. Well under Kafka's default 1 MiB message limit, with room
 * for metadata.
 */
export const MAX_INLINE_CONTENT_BYTES = 512 * 1024;

/** Prefix of every content hash and document version: `sha256:<64 lowercase hex digits>`. */
export const CONTENT_HASH_PREFIX = 'sha256:';

/** `ChatRequest.kind` and `reply-end.payload.kind`. */
export const REQUEST_KINDS = ['chat', 'search'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/**
 * Cancellation is not a Kafka event: it must reach the one generation worker streaming the
 * answer within milliseconds, and is worthless minutes later. The ingress sets the key (so a
 * worker that has not started yet sees it) and publishes the requestId on the Redis channel (so
 * a worker already streaming stops at once). Both are prefixed by KAFKA_TOPIC_PREFIX.
 */
export const CHAT_CANCEL_CHANNEL = 'rivulet:chat:cancel';
export const chatCancelKey = (requestId: string): string => `rivulet:chat:cancelled:${requestId}`;
/** How long a cancellation is remembered (longer than any request's deadline). */
export const CHAT_CANCEL_TTL_MS = 15 * 60 * 1000;
/** Set by each generation attempt: a second attempt at the same request knows it regenerates. */
export const chatAttemptKey = (requestId: string): string => `rivulet:chat:attempt:${requestId}`;
