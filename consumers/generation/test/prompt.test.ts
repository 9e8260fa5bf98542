import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RetrievedChunk } from '@rivulet/schemas';
import { buildPrompt } from '../src/prompt.js';

const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;
const chunk = (n: number, content: string): RetrievedChunk => ({ documentId: `doc-${n}`, chunkId: `c-${n}`, title: `Title ${n}`, score: 1 - n / 10, snippet: content.slice(0, 20), content, metadata: {} });

test('the prompt numbers the sources, tells the model to say so when they do not answer, and ends with the question', () => {
  const prompt = buildPrompt({
    question: 'What port does Kafka use?', chunks: [chunk(1, 'Kafka listens on 9092.'), chunk(2, 'Redis listens on 6379.')], rag: true,
    history: [], countTokens: words, promptTokenBudget: 1000, historyTokenBudget: 500,
  });
  const user = prompt.messages.at(-1)!;
  assert.equal(user.role, 'user');
  assert.match(user.content, /\[1\] Title 1\nKafka listens on 9092\./);
  assert.match(user.content, /\[2\] Title 2\nRedis listens on 6379\./);
  assert.match(user.content, /do not contain the answer, say so/);
  assert.ok(user.content.endsWith('Question: What port does Kafka use?'));
  assert.equal(prompt.chunks.length, 2);
});

test('sources that do not fit the budget are left out, best first kept, and only the kept ones are cited', () => {
  const long = 'word '.repeat(300);
  const prompt = buildPrompt({
    question: 'q', chunks: [chunk(1, long), chunk(2, long), chunk(3, long)], rag: true, history: [], countTokens: words,
    promptTokenBudget: 700, historyTokenBudget: 0,
  });
  assert.deepEqual(prompt.chunks.map(({ documentId }) => documentId), ['doc-1', 'doc-2']);
  assert.doesNotMatch(prompt.messages.at(-1)!.content, /\[3\]/);
});

test('earlier turns come before the question, newest kept when the history budget is short, pairs kept whole', () => {
  const history = [
    { role: 'user' as const, content: 'first question one two three' },
    { role: 'assistant' as const, content: 'first answer one two three' },
    { role: 'user' as const, content: 'second question' },
    { role: 'assistant' as const, content: 'second answer' },
  ];
  const all = buildPrompt({ question: 'third', chunks: [], rag: false, history, countTokens: words, promptTokenBudget: 1000, historyTokenBudget: 1000 });
  assert.deepEqual(all.messages.map(({ role }) => role), ['system', 'user', 'assistant', 'user', 'assistant', 'user']);
  assert.equal(all.messages.at(-1)!.content, 'third', 'rag false: the question alone');
  const recent = buildPrompt({ question: 'third', chunks: [], rag: false, history, countTokens: words, promptTokenBudget: 1000, historyTokenBudget: 14 });
  assert.deepEqual(recent.messages.slice(1, -1).map(({ content }) => content), ['second question', 'second answer']);
});

test('with retrieval on and nothing found, the model is told there is no source', () => {
  const prompt = buildPrompt({ question: 'q?', chunks: [], rag: true, history: [], countTokens: words, promptTokenBudget: 100, historyTokenBudget: 10 });
  const user = prompt.messages.at(-1)!.content;
  assert.match(user, /No document in the knowledge base is relevant to this question/);
  assert.match(user, /do not cite any source and do not write citations such as \[1\]/);
  assert.doesNotMatch(user, /Answer the question using the numbered sources/, 'not the instructions for answering from sources');
  assert.ok(user.endsWith('Question: q?'));
  assert.equal(prompt.chunks.length, 0);
});
