// What the root logger censors. pino's redaction matches exact paths (with `*` for one
// level), so each key is listed at the top of a logged object and two levels down:
// `logger.info({ request: { body: { apiKey } } })` is caught, deeper nesting is not.
// Log ids and sizes, not whole request, config or event objects.

/** Keys whose values are credentials, or URLs that usually embed one. */
export const credentialKeys = [
  'apiKey', 'api_key', 'token', 'accessToken', 'refreshToken', 'idToken', 'password', 'secret', 'clientSecret',
  'authorization', 'Authorization', 'cookie', 'connectionString', 'databaseUrl', 'redisUrl', 'DATABASE_URL', 'REDIS_URL', 'CACHE_REDIS_URL',
] as const;

/**
 * Keys whose values are user or model text: prompts, chat messages, replies, document text.
 * `message` alone is deliberately absent: it is also an error's message, which logs need.
 */
export const contentKeys = ['prompt', 'prompts', 'messages', 'content', 'input', 'text', 'snippet'] as const;

// Header names with dashes need bracket syntax; `authorization` and `cookie` are caught as keys above.
const headerNames = ['set-cookie', 'x-api-key', 'proxy-authorization'] as const;

const atDepths = (key: string): string[] => [key, `*.${key}`, `*.*.${key}`];

/** The paths `createLogger` redacts by default (pino `redact.paths` syntax). */
export const defaultRedactPaths: readonly string[] = [
  ...[...credentialKeys, ...contentKeys].flatMap(atDepths),
  ...headerNames.flatMap((header) => [`headers["${header}"]`, `*.headers["${header}"]`, `*.*.headers["${header}"]`]),
  // A chat frame's user text is `message`; OpenAI responses nest text under choices.
  'frame.message', '*.frame.message',
  'choices[*].message.content', 'choices[*].delta.content', '*.choices[*].message.content', '*.choices[*].delta.content',
];

/** What a redacted value is replaced with. */
export const redactionCensor = '[redacted]';
