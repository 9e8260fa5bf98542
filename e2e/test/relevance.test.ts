// Sources only when relevant (docs/protocol.md: `sources` is an "empty list when nothing
// relevant"): the real pipeline with the real embedding model and the default
// RETRIEVAL_MIN_SCORE, a collection holding one document about otters, and a fake
// OpenAI-compatible provider recording the prompts it receives.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOpenAI, type FakeProviderServer } from '@rivulet/fake-providers';
import { api } from './support/api.js';
import { checkAnswer, connect } from './support/chat.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

const OTTERS = 'Sea otters float on their backs and hold paws while they sleep, so that the current does not carry them apart. '
  + 'They have the densest fur of any animal, up to a million hairs per square inch, which keeps them warm in cold water without a layer of blubber.';
const UNRELATED = 'How do I scale Kafka consumer groups?';
const ABOUT_OTTERS = 'How do sea otters keep warm in cold water?';

type Source = { documentId: string; score: number };
/** The last message of a chat completion request as the provider received it (the question with its sources, if any). */
const lastMessage = (request: { body: unknown }): string => {
  const messages = (request.body as { messages?: { content?: unknown }[] } | undefined)?.messages;
  const content = messages?.at(-1)?.content;
  return typeof content === 'string' ? content : '';
};

let fake: FakeProviderServer;
let pipeline: Pipeline;
before(async () => {
  fake = await startFakeOpenAI({ reply: () => 'An answer.' });
  pipeline = await startPipeline({
    processes: ['ingress', 'ingestion', 'embedding', 'indexer', 'retrieval', 'generation', 'persistence'],
    env: { CHAT_PROVIDER: 'openai-compatible', OPENAI_BASE_URL: fake.url, CHAT_MODEL: 'fake-chat', CHAT_REQUEST_TIMEOUT: '60s' },
  });
  const client = api(pipeline);
  await client.postText({ id: 'otters', collection: 'animals', title: 'Sea otters', text: OTTERS });
  assert.equal((await client.waitFor('otters', { collection: 'animals' })).status, 'completed');
});
after(async () => {
  await pipeline?.close();
  await fake?.close();
});

/** The prompt the provider received for a question (its last user message). */
const promptFor = (question: string): string => {
  const request = fake.requests.filter((candidate) => lastMessage(candidate).endsWith(`Question: ${question}`)).at(-1);
  assert.ok(request, `the provider received a prompt for "${question}"`);
  return lastMessage(request);
};

const askOverWebSocket = async (id: string, message: string) => {
  const client = await connect(pipeline.url, pipeline.apiKey);
  try {
    return checkAnswer(await client.chat({ id, message, collection: 'animals' }));
  } finally {
    client.close();
  }
};

const askCompletions = async (question: string): Promise<Source[]> => {
  const response = await fetch(`${pipeline.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${pipeline.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', rag: { collection: 'animals' }, messages: [{ role: 'user', content: question }] }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { sources: Source[] }).sources;
};

const search = async (query: string): Promise<Source[]> => {
  const response = await fetch(`${pipeline.url}/v1/search`, {
    method: 'POST', headers: { authorization: `Bearer ${pipeline.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, collection: 'animals', top_k: 5 }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { results: Source[] }).results;
};

test('a question unrelated to the collection gets no sources on any surface, and the prompt says no document was found', { timeout: 120_000 }, async () => {
  const answer = await askOverWebSocket('kafka', UNRELATED);
  assert.deepEqual(answer.sources, [], 'the WebSocket sources frame is empty');
  const prompt = promptFor(UNRELATED);
  assert.doesNotMatch(prompt, /otter/i, 'the otter document is not in the prompt');
  assert.match(prompt, /No document in the knowledge base is relevant to this question/);
  assert.match(prompt, /do not cite any source/i);

  assert.deepEqual(await askCompletions(UNRELATED), [], 'chat completions: sources empty');
  assert.deepEqual(await search(UNRELATED), [], '/v1/search: no results');
});

test('a question about the document still gets it as source [1] on every surface, with the sources in the prompt', { timeout: 120_000 }, async () => {
  const answer = await askOverWebSocket('otters', ABOUT_OTTERS);
  assert.deepEqual(answer.sources.map(({ documentId }) => documentId), ['otters'], JSON.stringify(answer.sources));
  assert.match(promptFor(ABOUT_OTTERS), /\[1\] Sea otters\n/);

  assert.deepEqual((await askCompletions(ABOUT_OTTERS)).map(({ documentId }) => documentId), ['otters']);
  assert.deepEqual((await search(ABOUT_OTTERS)).map(({ documentId }) => documentId), ['otters']);
});
