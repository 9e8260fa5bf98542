// Small helpers for node:http: JSON answers, error bodies, and bodies read within a byte limit.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, IngressError, retryAfterSeconds } from '../errors.js';

export const sendJson = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
};

/** A body was announced and not read to its end (refused early, or cut off at the limit). */
const hasUnreadBody = (request: IncomingMessage): boolean =>
  !request.complete && (Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined);

/**
 * `{"error":{"code","message","retryable"}}` with the error's status. When the request body was
 * not read to the end, the connection is closed after the answer instead of reading the rest.
 */
export const sendError = (request: IncomingMessage, response: ServerResponse, error: IngressError, headers: Record<string, string> = {}): void => {
  const extra: Record<string, string> = { ...headers };
  if (error.code === 'unauthorized') extra['www-authenticate'] = 'Bearer';
  if (error.retryAfterMs !== undefined) extra['retry-after'] ??= retryAfterSeconds(error.retryAfterMs);
  if (hasUnreadBody(request)) extra.connection = 'close';
  sendJson(response, error.httpStatus, { error: errorBody(error) }, extra);
};

export const tooLarge = (limit: number): IngressError =>
  new IngressError('payload_too_large', `The request body is larger than this server accepts (${limit} bytes); send a smaller document.`);

/** Refuses a declared Content-Length over `limit` before any byte of the body is read. */
export const checkDeclaredLength = (request: IncomingMessage, limit: number): void => {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
};

/** Answers `Expect: 100-continue` once the request passed its checks, so the client starts sending. */
export const allowBody = (request: IncomingMessage, response: ServerResponse): void => {
  if (/^100-continue$/i.test(request.headers.expect ?? '')) response.writeContinue();
};

/**
 * Counts the bytes of a body as they arrive and calls `onExceeded` at the first one over
 * `limit` (a chunked upload, or a client whose Content-Length lied). Returns a detach function.
 */
export const watchBodySize = (request: IncomingMessage, limit: number, onExceeded: (error: IngressError) => void): (() => void) => {
  let received = 0;
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received > limit) {
      request.off('data', onData);
      onExceeded(tooLarge(limit));
    }
  };
  request.on('data', onData);
  return () => request.off('data', onData);
};

/** The whole body, refused with 413 as soon as it passes `limit` bytes. */
export const readBody = (request: IncomingMessage, response: ServerResponse, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    checkDeclaredLength(request, limit);
    allowBody(request, response);
    const chunks: Buffer[] = [];
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      request.pause();
      reject(error instanceof IngressError ? error : new IngressError('invalid_request', 'The request body could not be read; send it again.', { cause: error }));
    };
    watchBodySize(request, limit, fail);
    request.on('data', (chunk: Buffer) => {
      if (!failed) chunks.push(chunk);
    });
    request.once('error', fail);
    request.once('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
  });

/** Parses a JSON object body; the error names what is wrong. */
export const parseJsonObject = (body: Buffer): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new IngressError('invalid_request', `The body is not valid JSON (${(error as Error).message}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new IngressError('invalid_request', 'The body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
};
