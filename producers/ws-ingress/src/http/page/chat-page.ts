// GET /: the chat page a person uses in a browser (PROTOCOL.md §2), one self-contained HTML file:
// chat-page.html beside this file. The build copies it next to the compiled module.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CHAT_PAGE_HTML = readFileSync(new URL('./chat-page.html', import.meta.url), 'utf8');

/** `'sha256-…'` of each inline script, so the policy allows exactly the page's own code and nothing injected. */
const scriptHashes = [...CHAT_PAGE_HTML.matchAll(/<script>([\s\S]*?)<\/script>/g)]
  .map((match) => `'sha256-${createHash('sha256').update(match[1] ?? '', 'utf8').digest('base64')}'`);

/** No resource from anywhere but this server; the WebSocket and the API are same-origin (`'self'` covers ws/wss). */
export const CHAT_PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${scriptHashes.join(' ')}`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const CHAT_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy': CHAT_PAGE_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const PAGE_BYTES = Buffer.from(CHAT_PAGE_HTML, 'utf8');

/** Answers `GET /` (and `HEAD /`) with the page. */
export const sendChatPage = (request: IncomingMessage, response: ServerResponse): void => {
  response.writeHead(200, { ...CHAT_PAGE_HEADERS, 'content-length': String(PAGE_BYTES.length) });
  response.end(request.method === 'HEAD' ? undefined : PAGE_BYTES);
};
