// Conversations and messages (migrations/0004_conversations.sql): the named queries the ingress,
// the generation worker and the persistence worker share (CONVENTIONS.md rule 9).
import type { Pool, PoolClient } from './pool.js';
import { StoreError } from './store-error.js';
import { withTenant } from './tenant-scope.js';

export type MessageRole = 'system' | 'user' | 'assistant';

/** A time as a Date or milliseconds since the Unix epoch (an event's `occurredAt`). */
export type Instant = Date | number;

/** The id of a request's question: derived from the requestId, so every redelivery names the same row. */
export const userMessageId = (requestId: string): string => `${requestId}:user`;

/**
 * A deterministic id for a request's answer, for the generation worker to put in
 * reply-end.messageId (a retried generation then names the same message). The store does not
 * require it: it keeps whatever messageId the first stored reply-end carried.
 */
export const assistantMessageId = (requestId: string): string => `${requestId}:assistant`;

export interface NewConversation {
  tenantId: string;
  conversationId: string;
  userId?: string | null;
  model?: string | null;
  title?: string | null;
  metadata?: Record<string, unknown>;
  /** Default: now. */
  createdAt?: Instant;
}

export interface UserMessageInput {
  tenantId: string;
  conversationId: string;
  requestId: string;
  /** The question. */
  content: string;
  /** When the ingress accepted the request: chat-request-received's occurredAt. */
  createdAt: Instant;
  /** Used only when the conversation row is missing and created here. */
  userId?: string | null;
  /** Used only when the conversation row is missing and created here. */
  model?: string | null;
  metadata?: Record<string, unknown>;
}

export interface AssistantMessageInput {
  tenantId: string;
  conversationId: string;
  requestId: string;
  /** reply-end's messageId. */
  messageId: string;
  content: string;
  /** reply-end's occurredAt. */
  createdAt: Instant;
  /**
   * Stored in metadata.usage. outputTokens becomes the answer's `tokens`; inputTokens the
   * question's (the prompt tokens counted for the request), whichever of the two rows is
   * stored first.
   */
  usage: { inputTokens: number; outputTokens: number };
  /** Used only when the conversation row is missing and created here. */
  model?: string | null;
  /** sources, model, provider, finishReason, latencyMs, costUsd. */
  metadata?: Record<string, unknown>;
}

/** What an insert stored, or found already stored (a redelivery: `inserted` false). */
export interface PersistedMessage {
  id: string;
  tokens: number;
  inserted: boolean;
}

export interface ConversationMessage {
  id: string;
  role: MessageRole;
  content: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  tokens: number;
  metadata: Record<string, unknown>;
}

export interface HistoryTurn {
  role: MessageRole;
  content: string;
  requestId: string;
  createdAt: string;
}

export interface HistoryOptions {
  /** The request being answered: its messages, and anything stored after its question, are left out. */
  beforeRequestId?: string | null;
  /** Only messages created strictly before this instant (the request's acceptance). */
  before?: Instant | null;
  /** At most this many messages, the most recent ones (default 20). */
  limit?: number;
}

export interface ConversationHistory {
  /** Earlier messages, oldest first. */
  turns: HistoryTurn[];
  /**
   * The latest earlier question when no answer to it is stored (yet): the persistence worker may
   * still be storing it, or that turn ended in an error (never stored). Null when answered.
   */
  unanswered: { requestId: string; createdAt: string } | null;
}

export interface ConversationSummary {
  id: string;
  /** The stored title, else the first question's first ~60 characters; null before any question. */
  title: string | null;
  userId: string | null;
  model: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ListConversationsOptions {
  userId?: string;
  /** 1..500, default 50. */
  limit?: number;
}

/** Questions before answers when two messages share a created_at. */
const ROLE_ORDER = `CASE role WHEN 'system' THEN 0 WHEN 'user' THEN 1 ELSE 2 END`;

/** Most recently updated first, with the first question's beginning when there is no title. */
const conversationList = (userFilter: string): string => `
  SELECT c.id, c.title, question.content AS question, c.user_id AS "userId", c.model,
         c.created_at AS "createdAt", c.updated_at AS "updatedAt"
    FROM conversations c
    LEFT JOIN LATERAL (
      SELECT left(m.content, 200) AS content FROM messages m
       WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id AND m.role = 'user'
       ORDER BY m.created_at, m.id LIMIT 1
    ) question ON c.title IS NULL
   WHERE c.tenant_id = $1 ${userFilter}
   ORDER BY c.updated_at DESC, c.id DESC
   LIMIT $2`;

/**
 * Creates a conversation row when missing (a replay into an empty database), keeping what the
 * ingress wrote; widens its time span to the message's. SQL expressions for tenant, id, user,
 * model and the message's time.
 */
const TOUCH_CONVERSATION = (tenant: string, id: string, user: string, model: string, at: string): string => `
      INSERT INTO conversations (tenant_id, id, user_id, model, created_at, updated_at)
      VALUES (${tenant}, ${id}, ${user}, ${model}, ${at}, ${at})
      ON CONFLICT (tenant_id, id) DO UPDATE SET
        user_id = COALESCE(conversations.user_id, EXCLUDED.user_id),
        model = COALESCE(conversations.model, EXCLUDED.model),
        created_at = LEAST(conversations.created_at, EXCLUDED.created_at),
        updated_at = GREATEST(conversations.updated_at, EXCLUDED.updated_at)
      RETURNING 1`;

const conversationQueries = {
  createConversation: `
    INSERT INTO conversations (tenant_id, id, user_id, title, model, metadata, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6::jsonb, COALESCE($7::timestamptz, now()), COALESCE($7::timestamptz, now()))
    ON CONFLICT (tenant_id, id) DO UPDATE SET
      -- The persistence worker may have created the row first (the ingress stores it while the
      -- request is published): keep its timestamps, fill in what only the ingress knows.
      title = COALESCE(conversations.title, EXCLUDED.title),
      user_id = COALESCE(conversations.user_id, EXCLUDED.user_id),
      model = COALESCE(conversations.model, EXCLUDED.model),
      metadata = CASE WHEN conversations.metadata = '{}'::jsonb THEN EXCLUDED.metadata ELSE conversations.metadata END
    RETURNING (xmax = 0) AS created`,
  conversationExists: `SELECT EXISTS (SELECT 1 FROM conversations WHERE tenant_id = $1 AND id = $2) AS "exists"`,
  /** Creates the row when missing (a replay into an empty database); keeps what the ingress wrote. */
  // One statement per stored message (the conversation row, the message, and for an answer the
  // question's prompt tokens), so storing one costs three round trips with BEGIN and COMMIT. The
  // conversation is written by a data-modifying CTE: the messages foreign key is checked at the
  // end of the statement, when that row exists. The message is selected FROM that CTE (one row),
  // so the conversation row is locked first, then messages, as the cleanup (FOR UPDATE SKIP
  // LOCKED on the conversation, then its messages) takes them: an unread CTE would run last.
  //
  // The question takes the prompt tokens from an answer stored before it, and is never later than
  // it (clocks of the ingress and the generation worker may disagree by a little).
  insertUserMessage: `
    WITH conversation AS (${TOUCH_CONVERSATION('$1', '$3', '$8', '$9', '$7')}),
    answer AS (
      SELECT created_at, (metadata #>> '{usage,inputTokens}')::int AS input_tokens
        FROM messages WHERE tenant_id = $1 AND request_id = $4 AND role = 'assistant'
    )
    INSERT INTO messages (tenant_id, id, conversation_id, request_id, role, content, tokens, metadata, created_at)
    SELECT $1::text, $2::text, $3::text, $4::text, 'user', $5::text, COALESCE((SELECT input_tokens FROM answer), 0), $6::jsonb,
           LEAST($7::timestamptz, COALESCE((SELECT created_at FROM answer), $7::timestamptz))
      FROM conversation
    ON CONFLICT DO NOTHING
    RETURNING id, tokens`,
  // The answer is never earlier than its question; the question gets its prompt tokens ($9) when the answer is new.
  insertAssistantMessage: `
    WITH conversation AS (${TOUCH_CONVERSATION('$1', '$3', 'NULL', '$10', '$8')}),
    inserted AS (
      INSERT INTO messages (tenant_id, id, conversation_id, request_id, role, content, tokens, metadata, created_at)
      SELECT $1::text, $2::text, $3::text, $4::text, 'assistant', $5::text, $6::int, $7::jsonb,
             GREATEST($8::timestamptz, COALESCE((SELECT created_at FROM messages WHERE tenant_id = $1 AND request_id = $4 AND role = 'user'), $8::timestamptz))
        FROM conversation
      ON CONFLICT DO NOTHING
      RETURNING id, tokens
    ),
    question AS (
      UPDATE messages SET tokens = $9::int
       WHERE tenant_id = $1 AND request_id = $4 AND role = 'user' AND tokens <> $9::int AND EXISTS (SELECT 1 FROM inserted)
    )
    SELECT id, tokens FROM inserted`,
  storedMessage: `SELECT id, tokens FROM messages WHERE tenant_id = $1 AND request_id = $2 AND role = $3`,
  listMessages: `
    SELECT id, role, content, created_at AS "createdAt", tokens, metadata FROM messages
     WHERE tenant_id = $1 AND conversation_id = $2
     ORDER BY created_at, ${ROLE_ORDER}, id`,
  // $3 the request being answered (or NULL), $4 an upper bound on created_at (or NULL).
  history: `
    WITH question AS (SELECT created_at FROM messages WHERE tenant_id = $1 AND request_id = $3 AND role = 'user'),
    earlier AS (
      SELECT role, content, request_id, created_at, id FROM messages
       WHERE tenant_id = $1 AND conversation_id = $2
         AND ($3::text IS NULL OR request_id <> $3)
         AND created_at <= COALESCE((SELECT created_at FROM question), 'infinity')
         AND ($4::timestamptz IS NULL OR created_at < $4)
       ORDER BY created_at DESC, ${ROLE_ORDER} DESC, id DESC
       LIMIT $5
    )
    SELECT role, content, request_id AS "requestId", created_at AS "createdAt" FROM earlier
     ORDER BY created_at, ${ROLE_ORDER}, id`,
  lastQuestion: `
    WITH question AS (SELECT created_at FROM messages WHERE tenant_id = $1 AND request_id = $3 AND role = 'user')
    SELECT q.request_id AS "requestId", q.created_at AS "createdAt",
           EXISTS (SELECT 1 FROM messages a WHERE a.tenant_id = q.tenant_id AND a.request_id = q.request_id AND a.role = 'assistant') AS answered
      FROM messages q
     WHERE q.tenant_id = $1 AND q.conversation_id = $2 AND q.role = 'user'
       AND ($3::text IS NULL OR q.request_id <> $3)
       AND q.created_at <= COALESCE((SELECT created_at FROM question), 'infinity')
       AND ($4::timestamptz IS NULL OR q.created_at < $4)
     ORDER BY q.created_at DESC, q.id DESC
     LIMIT 1`,
  listConversations: conversationList(''),
  listUserConversations: conversationList('AND c.user_id = $3'),
} as const;

const asDate = (instant: Instant): Date => (instant instanceof Date ? instant : new Date(instant));
const iso = (value: Date): string => value.toISOString();
// Serialized here: node-postgres sends a top-level array as a PostgreSQL array, not JSON.
const json = (value: Record<string, unknown> | undefined): string => JSON.stringify(value ?? {});

type QueryName = keyof typeof conversationQueries;
/** Prepared once per connection: these run once per message. */
const run = <Row extends object>(client: PoolClient, name: QueryName, values: unknown[]) =>
  client.query<Row>({ name: `conversations.${name}`, text: conversationQueries[name], values });

/** A short title from a question: whitespace collapsed, cut at a word near 60 characters. */
export const titleFromQuestion = (question: string, maxLength = 60): string => {
  const text = question.replace(/\s+/g, ' ').trim();
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, maxLength);
  const space = cut.lastIndexOf(' ');
  return `${(space >= maxLength / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
};

/** Creates a conversation; when it exists, only fills in a title, user, model or metadata it lacks. True when this call created it. */
export const createConversation = async (pool: Pool, conversation: NewConversation): Promise<boolean> => {
  const { tenantId, conversationId, userId = null, model = null, title = null, metadata, createdAt } = conversation;
  const result = await withTenant(pool, tenantId, (client) => client.query<{ created: boolean }>(conversationQueries.createConversation, [
    tenantId, conversationId, userId, title, model, json(metadata), createdAt === undefined ? null : asDate(createdAt),
  ]));
  return result.rows[0]?.created === true;
};

export const conversationExists = async (pool: Pool, tenantId: string, conversationId: string): Promise<boolean> =>
  (await withTenant(pool, tenantId, (client) => client.query<{ exists: boolean }>(conversationQueries.conversationExists, [tenantId, conversationId]))).rows[0]?.exists ?? false;

/** The row this request already has for `role`, after an insert did nothing. */
const alreadyStored = async (client: PoolClient, tenantId: string, requestId: string, role: MessageRole, id: string): Promise<PersistedMessage> => {
  const row = (await run<{ id: string; tokens: number }>(client, 'storedMessage', [tenantId, requestId, role])).rows[0];
  if (!row) throw new StoreError('message_id_conflict', `Message id ${id} already belongs to another request of tenant ${tenantId}`);
  return { ...row, inserted: false };
};

/**
 * The question and the answer of one request are stored one after the other: each statement
 * reads the other's row (the answer's prompt tokens, the question's time), which a concurrent
 * transaction's snapshot would not show yet.
 */
const messageLock = ({ tenantId, requestId }: { tenantId: string; requestId: string }): string => `message:${tenantId}:${requestId}`;

/** Stores a request's question (idempotent: one per request), creating the conversation when missing. */
export const insertUserMessage = (pool: Pool, message: UserMessageInput): Promise<PersistedMessage> =>
  withTenant(pool, message.tenantId, async (client) => {
    const { tenantId, conversationId, requestId } = message;
    const createdAt = asDate(message.createdAt);
    const id = userMessageId(requestId);
    const row = (await run<{ id: string; tokens: number }>(client, 'insertUserMessage', [
      tenantId, id, conversationId, requestId, message.content, json(message.metadata), createdAt, message.userId ?? null, message.model ?? null,
    ])).rows[0];
    return row ? { ...row, inserted: true } : alreadyStored(client, tenantId, requestId, 'user', id);
  }, { serializeOn: messageLock(message) });

/** Stores a request's answer (idempotent: one per request), creating the conversation when missing. */
export const insertAssistantMessage = (pool: Pool, message: AssistantMessageInput): Promise<PersistedMessage> =>
  withTenant(pool, message.tenantId, async (client) => {
    const { tenantId, conversationId, requestId, usage } = message;
    const createdAt = asDate(message.createdAt);
    const row = (await run<{ id: string; tokens: number }>(client, 'insertAssistantMessage', [
      tenantId, message.messageId, conversationId, requestId, message.content, usage.outputTokens, json({ ...message.metadata, usage }), createdAt,
      usage.inputTokens, message.model ?? null,
    ])).rows[0];
    if (!row) return alreadyStored(client, tenantId, requestId, 'assistant', message.messageId);
    return { ...row, inserted: true };
  }, { serializeOn: messageLock(message) });

/** Every message of a conversation, oldest first (questions before answers on a tie). */
export const listMessages = async (pool: Pool, tenantId: string, conversationId: string): Promise<ConversationMessage[]> => {
  const { rows } = await withTenant(pool, tenantId, (client) =>
    client.query<Omit<ConversationMessage, 'createdAt'> & { createdAt: Date }>(conversationQueries.listMessages, [tenantId, conversationId]));
  return rows.map((row) => ({ ...row, createdAt: iso(row.createdAt) }));
};

/** The conversation's recent earlier messages for a prompt, and whether the last question is still unanswered. */
export const loadHistory = async (pool: Pool, tenantId: string, conversationId: string, options: HistoryOptions = {}): Promise<ConversationHistory> => {
  const { beforeRequestId = null, before, limit = 20 } = options;
  const values = [tenantId, conversationId, beforeRequestId, before === undefined || before === null ? null : asDate(before)];
  const [turns, last] = await withTenant(pool, tenantId, async (client) => [
    await client.query<Omit<HistoryTurn, 'createdAt'> & { createdAt: Date }>(conversationQueries.history, [...values, Math.max(0, Math.floor(limit))]),
    await client.query<{ requestId: string; createdAt: Date; answered: boolean }>(conversationQueries.lastQuestion, values),
  ] as const);
  const question = last.rows[0];
  return {
    turns: turns.rows.map((row) => ({ ...row, createdAt: iso(row.createdAt) })),
    unanswered: question && !question.answered ? { requestId: question.requestId, createdAt: iso(question.createdAt) } : null,
  };
};

/** A tenant's conversations (optionally one user's), most recently updated first. */
export const listConversations = async (pool: Pool, tenantId: string, options: ListConversationsOptions = {}): Promise<ConversationSummary[]> => {
  const limit = Math.min(500, Math.max(1, Math.floor(options.limit ?? 50)));
  type Row = Omit<ConversationSummary, 'createdAt' | 'updatedAt'> & { question: string | null; createdAt: Date; updatedAt: Date };
  const { rows } = await withTenant(pool, tenantId, (client) => options.userId === undefined
    ? client.query<Row>(conversationQueries.listConversations, [tenantId, limit])
    : client.query<Row>(conversationQueries.listUserConversations, [tenantId, limit, options.userId]));
  return rows.map(({ question, ...row }) => ({
    ...row,
    title: row.title ?? (question === null ? null : titleFromQuestion(question)),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  }));
};
