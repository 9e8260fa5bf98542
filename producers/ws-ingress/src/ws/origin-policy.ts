// WS_ALLOWED_ORIGINS: which browser pages may open a WebSocket. A browser sends the page's Origin
// with the upgrade and lets any page connect anywhere, so without this check a page on any site
// could use a visitor's session (a key typed into the chat page, or a proxy adding credentials).
import type { IncomingMessage } from 'node:http';
import { parseList } from '@rivulet/config';

/** `*`: any origin; `self`: the origin of the Host the ingress is served on (http and https). */
export interface OriginPolicy {
  any: boolean;
  self: boolean;
  origins: ReadonlySet<string>;
}

/** `scheme://host[:port]` in its serialised form (lowercase host, no default port), or undefined when `text` is more or less than that. */
const originOf = (text: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  return (url.protocol === 'http:' || url.protocol === 'https:') && bare ? url.origin : undefined;
};

/** `self`, `*`, or comma-separated origins such as `https://app.example.com,http://localhost:3000`. */
export const parseAllowedOrigins = (value: string): OriginPolicy => {
  const policy = { any: false, self: false, origins: new Set<string>() };
  for (const item of parseList(value, (entry) => entry)) {
    if (item === '*') policy.any = true;
    else if (item === 'self') policy.self = true;
    else {
      const origin = originOf(item);
      if (origin === undefined) {
        throw new TypeError(`expected *, self or an origin such as https://app.example.com (scheme, host and port only), got ${JSON.stringify(item.slice(0, 100))}`);
      }
      policy.origins.add(origin);
    }
  }
  return policy;
};

/** The origins of the Host header, over http and https. */
const selfOrigins = (host: string | undefined): string[] =>
  host === undefined ? [] : ['http', 'https'].map((scheme) => originOf(`${scheme}://${host}`)).filter((origin): origin is string => origin !== undefined);

/** An upgrade without Origin (a non-browser client) is always allowed; a browser's must be on the list. */
export const isOriginAllowed = (policy: OriginPolicy, request: IncomingMessage): boolean => {
  const sent = request.headers.origin;
  if (sent === undefined) return true;
  if (policy.any) return true;
  const origin = originOf(sent);
  if (origin === undefined) return false;
  return policy.origins.has(origin) || (policy.self && selfOrigins(request.headers.host).includes(origin));
};
