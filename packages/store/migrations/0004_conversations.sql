-- Up Migration
-- Conversations and their messages (chat). Named queries: packages/store/src/conversations.ts.
-- Written by the ingress (a new conversation, synchronously) and the persistence worker (every
-- message, from chat-request-received and reply-end); read by the ingress (GET
-- /v1/conversations/{id}/messages, the conversation list) and the generation worker (history).

-- One row per conversation of a tenant. The ingress creates it when a chat starts one; the
-- persistence worker creates it too when it is missing, so replaying the chat topics into an
-- empty database rebuilds it. `title` NULL: the list shows the first question's beginning.
CREATE TABLE conversations (
  tenant_id   text        NOT NULL,
  id          text        NOT NULL,
  user_id     text,
  title       text,
  model       text,
  metadata    jsonb       NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX conversations_recent ON conversations (tenant_id, updated_at DESC, id);
CREATE INDEX conversations_user_recent ON conversations (tenant_id, user_id, updated_at DESC, id) WHERE user_id IS NOT NULL;

-- One row per stored message. Ids are deterministic: `<requestId>:user` for the question, the
-- reply-end's messageId for the answer. UNIQUE (tenant_id, request_id, role) is what makes a
-- redelivered (or replayed) event a no-op, whatever id it carries.
-- created_at is the event's time, not the insert's: the question's is the request's acceptance
-- by the ingress, the answer's the reply-end's, so the order does not depend on which event the
-- worker stored first. `metadata` of an answer: sources, usage, model, provider, finishReason,
-- latencyMs, costUsd.
CREATE TABLE messages (
  tenant_id        text        NOT NULL,
  id               text        NOT NULL,
  conversation_id  text        NOT NULL,
  request_id       text        NOT NULL,
  role             text        NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
  content          text        NOT NULL,
  tokens           integer     NOT NULL DEFAULT 0,
  metadata         jsonb       NOT NULL DEFAULT '{}',
  created_at       timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE,
  UNIQUE (tenant_id, request_id, role)
);
CREATE INDEX messages_conversation_order ON messages (tenant_id, conversation_id, created_at, id);
