// A local stand-in for the Anthropic Messages API that speaks its real wire format,
// including the streaming event sequence.
import { randomUUID } from 'node:crypto';
import { contentText, countPromptTokens, planReply, type FakeBehaviour, type FakeChatRequest, type FakeStreamError } from './behaviour.js';
import { playTokens, sendJson, startFakeServer, type Exchange, type FakeProviderServer } from './fake-server.js';

export interface FakeAnthropicOptions extends FakeBehaviour {
  readonly host?: string;
  readonly port?: number;
  /** When set, requests must carry `x-api-key: <apiKey>` or `Authorization: Bearer <apiKey>` (what @anthropic-ai/sdk 1.x sends) or get Anthropic's 401. */
  readonly apiKey?: string;
}

/** Anthropic's error body: `{ type: 'error', error: { type, message }, request_id }`. */
const errorBody = (status: number, message?: string) => {
  const [type, text] =
    status === 400 ? ['invalid_request_error', 'Invalid request.']
    : status === 401 ? ['authentication_error', 'invalid x-api-key']
    : status === 403 ? ['permission_error', 'Your API key does not have permission to use the specified resource.']
    : status === 404 ? ['not_found_error', 'Not found.']
    : status === 413 ? ['request_too_large', 'Request exceeds the maximum allowed number of bytes.']
    : status === 429 ? ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.']
    : status === 529 ? ['overloaded_error', 'Overloaded']
    : ['api_error', 'Internal server error'];
  return { type: 'error', error: { type, message: message ?? text }, request_id: `req_${randomUUID().replaceAll('-', '')}` };
};

const fail = (exchange: Exchange, status: number, message?: string, retryAfterSeconds?: number) => {
  const body = errorBody(status, message);
  sendJson(exchange.response, status, body, { 'request-id': body.request_id, ...(retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }) });
};

const parseRequest = (body: Record<string, unknown>): FakeChatRequest | string => {
  if (typeof body.model !== 'string') return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: Field required';
  const messages = (body.messages as { role?: unknown; content?: unknown }[]).map((message) => ({ role: String(message?.role), text: contentText(message?.content) }));
  if (messages.some((message) => message.role !== 'user' && message.role !== 'assistant')) {
    return "messages: roles must be 'user' or 'assistant' (the system prompt goes in the top-level `system` parameter)";
  }
  const system = contentText(body.system);
  return { model: body.model, messages: system ? [{ role: 'system', text: system }, ...messages] : messages, maxTokens: body.max_tokens, stream: body.stream === true, body };
};

const handleMessages = async (exchange: Exchange): Promise<void> => {
  if (typeof exchange.headers['anthropic-version'] !== 'string') return fail(exchange, 400, 'anthropic-version: header is required');
  const body = exchange.body;
  if (typeof body !== 'object' || body === null) return fail(exchange, 400, 'There was an issue with your request body: it is not valid JSON.');
  const request = parseRequest(body as Record<string, unknown>);
  if (typeof request === 'string') return fail(exchange, 400, request);
  const { behaviour, response } = exchange;
  if (behaviour.fail) return fail(exchange, behaviour.fail.status, behaviour.fail.message, behaviour.fail.retryAfterSeconds);
  const { tokens, finish } = planReply(behaviour, request);
  const stopReason = finish === 'length' ? 'max_tokens' : 'end_turn';
  const id = `msg_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  const inputTokens = countPromptTokens(request);
  if (!request.stream) {
    const written: string[] = [];
    if (!(await playTokens(exchange, tokens, (token) => written.push(token)))) return;
    return sendJson(response, 200, {
      id, type: 'message', role: 'assistant', model: request.model,
      content: [{ type: 'text', text: written.join('') }],
      stop_reason: stopReason, stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: tokens.length, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  }
  const send = (event: string, data: unknown) => response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'request-id': `req_${id}` });
  send('message_start', {
    type: 'message_start',
    message: {
      id, type: 'message', role: 'assistant', model: request.model, content: [], stop_reason: null, stop_sequence: null,
      usage: behaviour.omitUsage ? undefined : { input_tokens: inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  });
  send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  send('ping', { type: 'ping' });
  // Anthropic's in-stream error: `event: error` with the error body (overloaded_error when the API is overloaded mid-answer).
  const streamError = ({ type = 'overloaded_error', message = type === 'overloaded_error' ? 'Overloaded' : 'Internal server error' }: FakeStreamError) =>
    send('error', { type: 'error', error: { type, message } });
  const complete = await playTokens(exchange, tokens, (token) => send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: token } }), { error: streamError });
  if (!complete) return;
  send('content_block_stop', { type: 'content_block_stop', index: 0 });
  send('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: behaviour.omitUsage ? undefined : { output_tokens: tokens.length } });
  send('message_stop', { type: 'message_stop' });
  response.end();
};

/**
 * Starts a fake Anthropic server on loopback: POST /v1/messages, streaming (message_start,
 * content_block_start, ping, content_block_delta text_delta..., content_block_stop,
 * message_delta with stop_reason and usage, message_stop) or not (one message object).
 * Requires `anthropic-version` and `max_tokens` as the real API does; `url` has no /v1 (the
 * SDK adds it).
 */
export const startFakeAnthropic = async ({ host, port, apiKey, ...behaviour }: FakeAnthropicOptions = {}): Promise<FakeProviderServer> =>
  startFakeServer({
    host, port, behaviour, basePath: '',
    handle: async (exchange) => {
      const { 'x-api-key': key, authorization } = exchange.headers;
      if (apiKey !== undefined && key !== apiKey && authorization !== `Bearer ${apiKey}`) return fail(exchange, 401);
      if (exchange.method === 'POST' && exchange.path === '/v1/messages') return handleMessages(exchange);
      return fail(exchange, 404, `${exchange.method} ${exchange.path} not found`);
    },
  });
