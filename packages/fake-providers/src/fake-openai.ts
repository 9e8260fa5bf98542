// A local stand-in for the OpenAI Chat Completions API (and the OpenAI-compatible servers:
// vLLM, Ollama, llama.cpp server) that speaks its real wire format, including streaming.
import { createHash, randomUUID } from 'node:crypto';
import { contentText, countPromptTokens, planReply, type FakeBehaviour, type FakeChatRequest, type FakeFailure, type FakeStreamError } from './behaviour.js';
import { playTokens, sendJson, startFakeServer, type Exchange, type FakeProviderServer } from './fake-server.js';

export interface FakeOpenAIOptions extends FakeBehaviour {
  readonly host?: string;
  readonly port?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get OpenAI's 401. */
  readonly apiKey?: string;
  /** Length of the vectors POST /v1/embeddings returns when the request names no `dimensions`. Default 64. */
  readonly embeddingDimension?: number;
}

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
const errorBody = (status: number, message?: string) => {
  const [type, code, text] =
    status === 400 ? ['invalid_request_error', null, 'Invalid request.']
    : status === 401 ? ['invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.']
    : status === 403 ? ['invalid_request_error', 'unsupported_country_region_territory', 'Country, region, or territory not supported.']
    : status === 404 ? ['invalid_request_error', null, 'Not found.']
    : status === 429 ? ['requests', 'rate_limit_exceeded', 'Rate limit reached for requests. Please try again later.']
    : status === 503 ? ['server_error', null, 'The engine is currently overloaded, please try again later.']
    : ['server_error', null, 'The server had an error while processing your request.'];
  return { error: { message: message ?? text, type, param: null, code } };
};

const fail = (exchange: Exchange, status: number, message?: string, { retryAfterSeconds, retryAfterMs }: Pick<FakeFailure, 'retryAfterSeconds' | 'retryAfterMs'> = {}) =>
  sendJson(exchange.response, status, errorBody(status, message), {
    'x-request-id': `req_${randomUUID().replaceAll('-', '')}`,
    ...(retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }),
    ...(retryAfterMs === undefined ? {} : { 'retry-after-ms': String(retryAfterMs) }),
  });

const parseRequest = (body: Record<string, unknown>): FakeChatRequest | string => {
  if (typeof body.model !== 'string') return "you must provide a model parameter";
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "'messages' is a required property";
  const messages = (body.messages as { role?: unknown; content?: unknown }[]).map((message) => ({ role: String(message?.role), text: contentText(message?.content) }));
  const limit = body.max_completion_tokens ?? body.max_tokens;
  return { model: body.model, messages, maxTokens: typeof limit === 'number' ? limit : undefined, stream: body.stream === true, body };
};

const handleCompletion = async (exchange: Exchange): Promise<void> => {
  const body = exchange.body;
  if (typeof body !== 'object' || body === null) return fail(exchange, 400, 'We could not parse the JSON body of your request.');
  const request = parseRequest(body as Record<string, unknown>);
  if (typeof request === 'string') return fail(exchange, 400, request);
  const { behaviour } = exchange;
  if (behaviour.fail) return fail(exchange, behaviour.fail.status, behaviour.fail.message, behaviour.fail);
  const { tokens, finish } = planReply(behaviour, request);
  const id = `chatcmpl-${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: countPromptTokens(request), completion_tokens: tokens.length, total_tokens: countPromptTokens(request) + tokens.length };
  if (!request.stream) {
    const written: string[] = [];
    if (!(await playTokens(exchange, tokens, (token) => written.push(token)))) return;
    return sendJson(exchange.response, 200, {
      id, object: 'chat.completion', created, model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content: written.join(''), refusal: null, annotations: [] }, logprobs: null, finish_reason: finish }],
      usage: behaviour.omitUsage ? undefined : usage,
      service_tier: 'default', system_fingerprint: null,
    });
  }
  const withUsage = (body as { stream_options?: { include_usage?: unknown } }).stream_options?.include_usage === true && !behaviour.omitUsage;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, service_tier: 'default', system_fingerprint: null, choices, ...(withUsage ? { usage: null } : {}), ...extra })}\n\n`;
  const { response } = exchange;
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': `req_${id}` });
  response.write(chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]));
  // OpenAI's in-stream error: a data event carrying `error` instead of a chunk.
  const streamError = ({ type = 'server_error', message = 'The server had an error while processing your request.' }: FakeStreamError) =>
    response.write(`data: ${JSON.stringify({ error: { message, type, param: null, code: null } })}\n\n`);
  const complete = await playTokens(exchange, tokens, (token) => response.write(chunk([{ index: 0, delta: { content: token }, logprobs: null, finish_reason: null }])), { error: streamError });
  if (!complete) return;
  response.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]));
  if (withUsage) response.write(chunk([], { usage: { ...usage, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } } }));
  response.end('data: [DONE]\n\n');
};

/** Words of a text (at least one): what the fake counts as its tokens. */
const wordsOf = (text: string): number => Math.max(1, text.split(/\s+/).filter(Boolean).length);

/**
 * A unit vector that depends only on the model and the text: the same input always gets the same
 * vector, another model another one. Not semantic: nearness means nothing beyond equality.
 */
export const fakeEmbedding = (model: string, text: string, dimension: number): number[] => {
  const values: number[] = [];
  for (let block = 0; values.length < dimension; block += 1) {
    const digest = createHash('sha256').update(`${model}\u0000${block}\u0000${text}`).digest();
    for (let offset = 0; offset + 2 <= digest.length && values.length < dimension; offset += 2) values.push(digest.readUInt16BE(offset) / 32_767.5 - 1);
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((value) => value / norm);
};

/** POST /v1/embeddings: OpenAI's `list` of `embedding` objects, in input order, with `usage.prompt_tokens` (words). */
const handleEmbeddings = (exchange: Exchange, defaultDimension: number): void => {
  const body = exchange.body as { model?: unknown; input?: unknown; dimensions?: unknown } | undefined;
  if (typeof body !== 'object' || body === null) return fail(exchange, 400, 'We could not parse the JSON body of your request.');
  if (typeof body.model !== 'string' || body.model === '') return fail(exchange, 400, 'you must provide a model parameter');
  const inputs = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((input) => typeof input === 'string' && input !== '')) {
    return fail(exchange, 400, "'input' must be a non-empty string or array of non-empty strings");
  }
  const dimension = typeof body.dimensions === 'number' && Number.isInteger(body.dimensions) && body.dimensions > 0 ? body.dimensions : defaultDimension;
  if (exchange.behaviour.fail) return fail(exchange, exchange.behaviour.fail.status, exchange.behaviour.fail.message, exchange.behaviour.fail);
  const promptTokens = (inputs as string[]).reduce((sum, input) => sum + wordsOf(input), 0);
  const model = body.model;
  return sendJson(exchange.response, 200, {
    object: 'list',
    data: (inputs as string[]).map((input, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(model, input, dimension) })),
    model,
    usage: exchange.behaviour.omitUsage ? undefined : { prompt_tokens: promptTokens, total_tokens: promptTokens },
  }, { 'x-request-id': `req_${randomUUID().replaceAll('-', '')}` });
};

/**
 * Starts a fake OpenAI server on loopback: POST /v1/chat/completions, streaming (SSE
 * `chat.completion.chunk`s, a usage chunk when `stream_options.include_usage`, then
 * `data: [DONE]`) or not (one `chat.completion`). Honours `max_completion_tokens`/`max_tokens`
 * (finish_reason `length`). POST /v1/embeddings answers deterministic vectors (fakeEmbedding)
 * with a usage count of words. Everything else answers OpenAI's 404 body.
 */
export const startFakeOpenAI = async ({ host, port, apiKey, embeddingDimension = 64, ...behaviour }: FakeOpenAIOptions = {}): Promise<FakeProviderServer> =>
  startFakeServer({
    host, port, behaviour, basePath: '/v1',
    handle: async (exchange) => {
      if (apiKey !== undefined && exchange.headers.authorization !== `Bearer ${apiKey}`) return fail(exchange, 401);
      if (exchange.method === 'POST' && exchange.path === '/v1/chat/completions') return handleCompletion(exchange);
      if (exchange.method === 'POST' && exchange.path === '/v1/embeddings') return handleEmbeddings(exchange, embeddingDimension);
      return fail(exchange, 404, `Invalid URL (${exchange.method} ${exchange.path})`);
    },
  });
