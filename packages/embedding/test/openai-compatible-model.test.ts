import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, beforeEach, test } from 'node:test';
import { createOpenAiCompatibleEmbeddingModel, EmbeddingError } from '../src/index.js';

/**
 * A local stand-in for an OpenAI-compatible server: it speaks the real wire format of
 * POST /v1/embeddings, and each test decides its answer.
 */
interface Received { method: string; url: string; headers: IncomingMessage['headers']; body: string }
let received: Received[] = [];
let answer: (request: Received, response: ServerResponse) => void = () => {};
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
    received.push(entry);
    answer(entry, response);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
after(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  received = [];
});

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};
/** The body OpenAI sends: a list object, data items out of order, usage. */
const embeddingsBody = (vectors: number[][], model = 'text-embedding-3-small') => ({
  object: 'list',
  data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })).reverse(),
  model,
  usage: { prompt_tokens: 5, total_tokens: 5 },
});
const openAiError = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });

const model = createOpenAiCompatibleEmbeddingModel({ baseURL: `${baseURL}/`, apiKey: 'sk-test', model: 'text-embedding-3-small', dimension: 3, timeoutMs: 500 });
const isCode = (code: string, retriable: boolean, status?: number) => (error: unknown) =>
  error instanceof EmbeddingError && error.code === code && error.retriable === retriable && error.status === status;

test('POSTs {model, input} with a bearer key to /embeddings and returns normalised vectors in input order', async () => {
  answer = (_request, response) => json(response, 200, embeddingsBody([[3, 4, 0], [0, 0, 2]]));
  const vectors = await model.embed(['first text', 'second text']);
  assert.deepEqual(vectors, [Float32Array.from([0.6, 0.8, 0]), Float32Array.from([0, 0, 1])]);
  assert.equal(received.length, 1);
  const [request] = received;
  assert.equal(request!.method, 'POST');
  assert.equal(request!.url, '/v1/embeddings');
  assert.equal(request!.headers.authorization, 'Bearer sk-test');
  assert.match(request!.headers['content-type'] ?? '', /^application\/json/);
  assert.deepEqual(JSON.parse(request!.body), { model: 'text-embedding-3-small', input: ['first text', 'second text'] });
  assert.equal(model.tokenizer, undefined);
  assert.equal(model.id, 'text-embedding-3-small');
  assert.match(model.version, /^openai-compatible:127\.0\.0\.1:\d+$/);
});

test('no API key, no Authorization header (local servers); an empty batch sends nothing', async () => {
  answer = (_request, response) => json(response, 200, embeddingsBody([[1, 0, 0]]));
  const local = createOpenAiCompatibleEmbeddingModel({ baseURL, model: 'all-minilm', dimension: 3 });
  await local.embed(['text']);
  assert.equal(received[0]!.headers.authorization, undefined);
  assert.deepEqual(await local.embed([]), []);
  assert.equal(received.length, 1);
});

test('429 is rate_limited and retriable, with the server\'s message', async () => {
  answer = (_request, response) => json(response, 429, openAiError('Rate limit reached for requests', 'requests', 'rate_limit_exceeded'), { 'retry-after': '1' });
  await assert.rejects(model.embed(['text']), (error: unknown) => isCode('rate_limited', true, 429)(error) && /Rate limit reached/.test((error as Error).message));
});

test('500 is server_error and retriable; a non-JSON error body is still reported', async () => {
  answer = (_request, response) => {
    response.writeHead(500, { 'content-type': 'text/html' });
    response.end('<html>upstream exploded</html>');
  };
  await assert.rejects(model.embed(['text']), (error: unknown) => isCode('server_error', true, 500)(error) && /upstream exploded/.test((error as Error).message));
});

test('401 is unauthorized; 400 context_length_exceeded is input_too_long; other 400s are bad_request; none retriable', async () => {
  answer = (_request, response) => json(response, 401, openAiError('Incorrect API key provided', 'invalid_request_error', 'invalid_api_key'));
  await assert.rejects(model.embed(['text']), isCode('unauthorized', false, 401));
  answer = (_request, response) =>
    json(response, 400, openAiError("This model's maximum context length is 8192 tokens, however you requested 9000 tokens", 'invalid_request_error', 'context_length_exceeded'));
  await assert.rejects(model.embed(['text']), isCode('input_too_long', false, 400));
  answer = (_request, response) => json(response, 400, openAiError("'input' is a required property", 'invalid_request_error', null));
  await assert.rejects(model.embed(['text']), isCode('bad_request', false, 400));
});

test('a malformed 200 body is invalid_response: not JSON, no data, wrong count, wrong dimension, bad index', async () => {
  const bodies: [string, unknown][] = [
    ['not JSON', '{"data": [ {"index": 0, "embedding": [1, 0,'],
    ['no data', { object: 'list' }],
    ['wrong count', embeddingsBody([[1, 0, 0]])],
    ['wrong dimension', embeddingsBody([[1, 0], [0, 1]])],
    ['repeated index', { data: [{ index: 0, embedding: [1, 0, 0] }, { index: 0, embedding: [0, 1, 0] }] }],
    ['missing index', { data: [{ embedding: [1, 0, 0] }, { index: 1, embedding: [0, 1, 0] }] }],
    ['string numbers', { data: [{ index: 0, embedding: ['1', '0', '0'] }, { index: 1, embedding: [0, 1, 0] }] }],
    ['zero vector', embeddingsBody([[0, 0, 0], [0, 1, 0]])],
  ];
  for (const [label, body] of bodies) {
    answer = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    await assert.rejects(model.embed(['a', 'b']), isCode('invalid_response', false), label);
  }
});

test('a server slower than timeoutMs is a retriable timeout; a caller abort is aborted', async () => {
  answer = (_request, response) => setTimeout(() => json(response, 200, embeddingsBody([[1, 0, 0]])), 2_000).unref();
  const started = Date.now();
  await assert.rejects(model.embed(['text']), isCode('timeout', true));
  assert.ok(Date.now() - started < 1_500, 'gave up at timeoutMs');
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(model.embed(['text'], { signal: controller.signal }), isCode('aborted', false));
  // A body that starts and then stalls is a timeout as well.
  answer = (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"data": [');
  };
  await assert.rejects(model.embed(['text']), isCode('timeout', true));
});

test('a server that is not there is a retriable network error; bad options fail at construction', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const absent = createOpenAiCompatibleEmbeddingModel({ baseURL: `http://127.0.0.1:${closedPort}/v1`, model: 'm', dimension: 3 });
  await assert.rejects(absent.embed(['text']), isCode('network', true));
  assert.throws(() => createOpenAiCompatibleEmbeddingModel({ baseURL: 'not a url', model: 'm', dimension: 3 }), isCode('invalid_options', false));
  assert.throws(() => createOpenAiCompatibleEmbeddingModel({ baseURL, model: 'm', dimension: 0 }), isCode('invalid_options', false));
  await absent.close();
  await assert.rejects(absent.embed(['text']), isCode('closed', false));
});

test('onUsage hears the tokens each request was billed for (usage.prompt_tokens), or undefined when the answer has none', async () => {
  const usages: { promptTokens: number | undefined; texts: number }[] = [];
  const model = createOpenAiCompatibleEmbeddingModel({ baseURL, model: 'text-embedding-3-small', dimension: 2, onUsage: (usage) => usages.push(usage) });
  answer = (_request, response) => json(response, 200, { ...embeddingsBody([[1, 0], [0, 1]]), usage: { prompt_tokens: 7, total_tokens: 7 } });
  await model.embed(['a b c', 'd e f g']);
  answer = (_request, response) => json(response, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [1, 0] }] });
  await model.embed(['x']);
  answer = (_request, response) => json(response, 500, { error: { message: 'boom' } });
  await assert.rejects(model.embed(['y']));
  assert.deepEqual(usages, [{ promptTokens: 7, texts: 2 }, { promptTokens: undefined, texts: 1 }], 'nothing for a failed request');
});
