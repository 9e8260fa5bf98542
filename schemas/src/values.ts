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
