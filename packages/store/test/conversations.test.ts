import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  conversationExists, createConversation, insertAssistantMessage, insertUserMessage, listConversations, listMessages, loadHistory,
  StoreError, titleFromQuestion, userMessageId, withAllTenants, type AssistantMessageInput, type UserMessageInput,
} from '../src/index.js';
import { testSchema } from '../src/testing.js';

const { pool, setUp, tearDown } = testSchema({ prefix: 'conversations_test', max: 8 });

before(setUp);
after(tearDown);

const tenant = (): string => `tenant-${randomBytes(4).toString('hex')}`;
const T0 = Date.parse('2025-01-01T10:00:00.000Z');

const question = (tenantId: string, conversationId: string, requestId: string, at: number, content = `question of ${requestId}`): UserMessageInput => ({
  tenantId, conversationId, requestId, content, createdAt: at, userId: 'user-1', model: 'auto', metadata: { collection: 'default' },
});

const answer = (tenantId: string, conversationId: string, requestId: string, at: number, overrides: Partial<AssistantMessageInput> = {}): AssistantMessageInput => ({
  tenantId, conversationId, requestId, messageId: `${requestId}:assistant`, content: `answer to ${requestId}`, createdAt: at,
  usage: { inputTokens: 120, outputTokens: 30 }, model: 'gpt-test',
  metadata: { sources: [{ n: 1, documentId: 'doc', chunkId: 'chunk', title: null, score: 0.9, snippet: 'text' }], model: 'gpt-test', provider: 'local', finishReason: 'stop', latencyMs: 850, costUsd: null },
  ...overrides,
});

test('a conversation is created once, and exists only for its own tenant', async () => {
  const [a, b] = [tenant(), tenant()];
  assert.equal(await conversationExists(pool, a, 'c1'), false);
  assert.equal(await createConversation(pool, { tenantId: a, conversationId: 'c1', userId: 'u', model: 'auto', title: null }), true);
  assert.equal(await createConversation(pool, { tenantId: a, conversationId: 'c1', userId: 'other', model: 'x', title: 'changed' }), false, 'idempotent');
  assert.equal(await conversationExists(pool, a, 'c1'), true);
  assert.equal(await conversationExists(pool, b, 'c1'), false, 'another tenant does not see it');
  const [summary] = await listConversations(pool, a);
  assert.deepEqual([summary!.id, summary!.userId, summary!.model, summary!.title], ['c1', 'u', 'auto', 'changed'], 'the first call\'s values stay; a missing title is filled in');
});

test('the ingress storing a conversation after the persistence worker created its row fills in the title', async () => {
  const tenantId = tenant();
  // The persistence worker got the first turn before the ingress's own insert committed: it creates the row without a title.
  await insertUserMessage(pool, question(tenantId, 'late', 'r-late', T0));
  assert.equal(await createConversation(pool, { tenantId, conversationId: 'late', userId: 'u', model: 'auto', title: 'What the user asked' }), false, 'not created: it was there');
  const [summary] = await listConversations(pool, tenantId);
  assert.equal(summary!.title, 'What the user asked');
});

test('question then answer: one row each, in order, and redeliveries change nothing', async () => {
  const tenantId = tenant();
  const first = await insertUserMessage(pool, question(tenantId, 'c', 'r1', T0));
  assert.deepEqual(first, { id: userMessageId('r1'), tokens: 0, inserted: true });
  const stored = await insertAssistantMessage(pool, answer(tenantId, 'c', 'r1', T0 + 900));
  assert.deepEqual(stored, { id: 'r1:assistant', tokens: 30, inserted: true });
  assert.deepEqual(await insertUserMessage(pool, question(tenantId, 'c', 'r1', T0)), { id: 'r1:user', tokens: 120, inserted: false });
  assert.deepEqual(await insertAssistantMessage(pool, answer(tenantId, 'c', 'r1', T0 + 900)), { id: 'r1:assistant', tokens: 30, inserted: false });

  const messages = await listMessages(pool, tenantId, 'c');
  assert.deepEqual(messages.map(({ id, role, content, createdAt, tokens }) => ({ id, role, content, createdAt, tokens })), [
    { id: 'r1:user', role: 'user', content: 'question of r1', createdAt: '2025-01-01T10:00:00.000Z', tokens: 120 },
    { id: 'r1:assistant', role: 'assistant', content: 'answer to r1', createdAt: '2025-01-01T10:00:00.900Z', tokens: 30 },
  ]);
  assert.deepEqual(messages[0]!.metadata, { collection: 'default' });
  const metadata = messages[1]!.metadata;
  assert.deepEqual(metadata.usage, { inputTokens: 120, outputTokens: 30 });
  assert.equal(metadata.finishReason, 'stop');
  assert.equal(metadata.latencyMs, 850);
  assert.deepEqual(metadata.sources, answer(tenantId, 'c', 'r1', 0).metadata!.sources, 'sources keep their array shape');
  assert.deepEqual(await listMessages(pool, tenant(), 'c'), [], 'another tenant sees nothing');
});

test('answer stored before its question (a replay into an empty database): same rows, same order', async () => {
  const tenantId = tenant();
  assert.equal(await conversationExists(pool, tenantId, 'c'), false);
  await insertAssistantMessage(pool, answer(tenantId, 'c', 'r1', T0 + 500));
  assert.equal(await conversationExists(pool, tenantId, 'c'), true, 'the answer creates the conversation');
  const first = await insertUserMessage(pool, question(tenantId, 'c', 'r1', T0));
  assert.deepEqual(first, { id: 'r1:user', tokens: 120, inserted: true }, 'the question takes the prompt tokens from the stored answer');
  assert.deepEqual((await listMessages(pool, tenantId, 'c')).map((message) => message.role), ['user', 'assistant']);
  const [summary] = await listConversations(pool, tenantId);
  assert.equal(summary!.createdAt, '2025-01-01T10:00:00.000Z', 'the conversation starts at its first question');
  assert.equal(summary!.updatedAt, '2025-01-01T10:00:00.500Z', 'and was last updated by its last message');
  assert.equal(summary!.userId, 'user-1', 'the question fills in what the answer did not know');
});

test('clocks that disagree never put an answer before its question', async () => {
  const tenantId = tenant();
  await insertUserMessage(pool, question(tenantId, 'c', 'r1', T0));
  await insertAssistantMessage(pool, answer(tenantId, 'c', 'r1', T0 - 50));
  await insertAssistantMessage(pool, answer(tenantId, 'c', 'r2', T0 + 1000));
  await insertUserMessage(pool, question(tenantId, 'c', 'r2', T0 + 1200));
  const messages = await listMessages(pool, tenantId, 'c');
  assert.deepEqual(messages.map((message) => message.id), ['r1:user', 'r1:assistant', 'r2:user', 'r2:assistant']);
  assert.ok(messages.every((message, index) => index === 0 || message.createdAt >= messages[index - 1]!.createdAt), 'created_at follows the order');
});

test('a second answer to the same request (another generation attempt) is not stored; the first one\'s id is returned', async () => {
  const tenantId = tenant();
  await insertAssistantMessage(pool, answer(tenantId, 'c', 'r1', T0));
  const again = await insertAssistantMessage(pool, answer(tenantId, 'c', 'r1', T0 + 10, { messageId: randomUUID(), content: 'another' }));
  assert.deepEqual(again, { id: 'r1:assistant', tokens: 30, inserted: false });
  assert.deepEqual((await listMessages(pool, tenantId, 'c')).map((message) => message.content), ['answer to r1']);
});

test('a message id that belongs to another request is refused, not retried', async () => {
  const tenantId = tenant();
  await insertAssistantMessage(pool, answer(tenantId, 'c', 'r1', T0, { messageId: 'same-id' }));
  await assert.rejects(insertAssistantMessage(pool, answer(tenantId, 'c', 'r2', T0, { messageId: 'same-id' })), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.code, 'message_id_conflict');
    assert.equal(error.retriable, false);
    return true;
  });
});

test('racing redeliveries of both events store exactly one question and one answer', async () => {
  const tenantId = tenant();
  const attempts = Array.from({ length: 12 }, (_, index) =>
    index % 2 === 0 ? insertUserMessage(pool, question(tenantId, 'c', 'r1', T0)) : insertAssistantMessage(pool, answer(tenantId, 'c', 'r1', T0 + 700)));
  const results = await Promise.all(attempts);
  assert.equal(results.filter((result) => result.inserted).length, 2);
  const messages = await listMessages(pool, tenantId, 'c');
  assert.deepEqual(messages.map((message) => [message.id, message.tokens]), [['r1:user', 120], ['r1:assistant', 30]]);
});

test('an answer stored while the cleanup holds its conversation waits for it, never deadlocks: the conversation row is locked before any message', async () => {
  const [tenantId, conversationId, requestId] = [tenant(), randomUUID(), randomUUID()];
  await insertUserMessage(pool, question(tenantId, conversationId, requestId, T0));
  let storing: Promise<unknown> | undefined;
  // As the cleanup does (expired-conversations.ts): the conversation FOR UPDATE, then its messages.
  await withAllTenants(pool, 'test: the cleanup lock order', async (client) => {
    await client.query('SELECT id FROM conversations WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, conversationId]);
    storing = insertAssistantMessage(pool, answer(tenantId, conversationId, requestId, T0 + 1000)).then(() => 'stored', (error: unknown) => error);
    // Long enough for the answer's statement to reach the conversation row (and, were the order
    // reversed, to hold the question's row first: the delete below would then deadlock with it).
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.query('DELETE FROM messages WHERE tenant_id = $1 AND conversation_id = $2', [tenantId, conversationId]);
    await client.query('DELETE FROM conversations WHERE tenant_id = $1 AND id = $2', [tenantId, conversationId]);
  });
  assert.equal(await storing, 'stored', 'the answer waited for the cleanup and was then stored');
  const rows = await listMessages(pool, tenantId, conversationId);
  assert.deepEqual(rows.map(({ role }) => role), ['assistant'], 'the question went with the cleanup; the answer came after it');
});

test('history: earlier turns oldest first, without the request being answered, the most recent ones when limited', async () => {
  const tenantId = tenant();
  for (const [index, requestId] of ['r1', 'r2', 'r3'].entries()) {
    await insertUserMessage(pool, question(tenantId, 'c', requestId, T0 + index * 10_000));
    await insertAssistantMessage(pool, answer(tenantId, 'c', requestId, T0 + index * 10_000 + 2000));
  }
  // The current request's question is already stored (the persistence worker was faster).
  await insertUserMessage(pool, question(tenantId, 'c', 'r4', T0 + 30_000));

  const all = await loadHistory(pool, tenantId, 'c', { beforeRequestId: 'r4' });
  assert.deepEqual(all.turns.map((turn) => `${turn.role}:${turn.requestId}`), ['user:r1', 'assistant:r1', 'user:r2', 'assistant:r2', 'user:r3', 'assistant:r3']);
  assert.deepEqual(all.turns[1], { role: 'assistant', content: 'answer to r1', requestId: 'r1', createdAt: '2025-01-01T10:00:02.000Z' });
  assert.equal(all.unanswered, null, 'the previous answer is stored');

  const recent = await loadHistory(pool, tenantId, 'c', { beforeRequestId: 'r4', limit: 3 });
  assert.deepEqual(recent.turns.map((turn) => `${turn.role}:${turn.requestId}`), ['assistant:r2', 'user:r3', 'assistant:r3']);
  assert.deepEqual((await loadHistory(pool, tenantId, 'c', { beforeRequestId: 'r4', limit: 0 })).turns, []);

  const byTime = await loadHistory(pool, tenantId, 'c', { before: new Date(T0 + 10_000) });
  assert.deepEqual(byTime.turns.map((turn) => turn.requestId), ['r1', 'r1']);

  const replayed = await loadHistory(pool, tenantId, 'c', { beforeRequestId: 'r2' });
  assert.deepEqual(replayed.turns.map((turn) => turn.requestId), ['r1', 'r1'], 'answering r2 again sees only what came before it');
  assert.deepEqual(await loadHistory(pool, tenantId, 'other'), { turns: [], unanswered: null });
});

test('history says when the last question has no stored answer yet, until the answer is stored', async () => {
  const tenantId = tenant();
  await insertUserMessage(pool, question(tenantId, 'c', 'r1', T0));
  await insertAssistantMessage(pool, answer(tenantId, 'c', 'r1', T0 + 1000));
  await insertUserMessage(pool, question(tenantId, 'c', 'r2', T0 + 5000));
  const waiting = await loadHistory(pool, tenantId, 'c', { beforeRequestId: 'r3' });
  assert.deepEqual(waiting.unanswered, { requestId: 'r2', createdAt: '2025-01-01T10:00:05.000Z' });
  assert.deepEqual(waiting.turns.map((turn) => `${turn.role}:${turn.requestId}`), ['user:r1', 'assistant:r1', 'user:r2']);
  await insertAssistantMessage(pool, answer(tenantId, 'c', 'r2', T0 + 6000));
  assert.equal((await loadHistory(pool, tenantId, 'c', { beforeRequestId: 'r3' })).unanswered, null);
});

test('conversation list: newest first, a title from the first question when none is stored, per user', async () => {
  const tenantId = tenant();
  const long = 'How do I rotate the signing keys of the ingress without dropping any open WebSocket connections?';
  await insertUserMessage(pool, { ...question(tenantId, 'old', 'r1', T0, long), userId: 'ann' });
  await insertUserMessage(pool, { ...question(tenantId, 'old', 'r2', T0 + 100, 'a later question'), userId: 'ann' });
  await createConversation(pool, { tenantId, conversationId: 'titled', userId: 'bob', model: 'auto', title: 'Named by the client', createdAt: T0 + 1000 });
  await insertUserMessage(pool, { ...question(tenantId, 'titled', 'r3', T0 + 2000), userId: 'bob' });
  await createConversation(pool, { tenantId, conversationId: 'empty', userId: 'ann', model: null, title: null, createdAt: T0 + 3000 });

  const conversations = await listConversations(pool, tenantId);
  assert.deepEqual(conversations.map((conversation) => [conversation.id, conversation.title]), [
    ['empty', null],
    ['titled', 'Named by the client'],
    ['old', 'How do I rotate the signing keys of the ingress without…'],
  ]);
  assert.deepEqual((await listConversations(pool, tenantId, { userId: 'ann' })).map((conversation) => conversation.id), ['empty', 'old']);
  assert.deepEqual((await listConversations(pool, tenantId, { limit: 1 })).map((conversation) => conversation.id), ['empty']);
  assert.deepEqual(await listConversations(pool, tenant()), []);
});

test('titles: whitespace collapsed, cut at a word', () => {
  assert.equal(titleFromQuestion('  short\n\nquestion  '), 'short question');
  assert.equal(titleFromQuestion('x'.repeat(100)), `${'x'.repeat(60)}…`);
  assert.equal(titleFromQuestion('word '.repeat(30)).length <= 61, true);
});
