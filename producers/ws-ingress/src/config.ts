// The ingress's configuration schema: the shared base variables plus its own. Read once, in main.ts.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  baseVariables, booleanFlag, defineConfig, duration, fromParser, integer, loadConfig, oneOf, parseByteSize, parseList, port, setting, text,
  type Environment, sharedVariables } from '@rivulet/config';
import { parseAllowedOrigins } from './ws/origin-policy.js';

/** One API key from RIVULET_API_KEYS. */
export interface StaticApiKey {
  tenantId: string;
  key: string;
}

/** The key `rivulet ingest` and the examples use when nothing is configured. Development only. */
export const DEVELOPMENT_API_KEY = 'rivulet-dev-key';
export const DEVELOPMENT_TENANT = 'default';

const namePattern = /^[A-Za-z0-9._-]{1,64}$/;
const MIN_KEY_LENGTH = 8;

/** `<tenant>:<key>,<tenant>:<key>`; errors never echo a key. */
export const parseApiKeys = (value: string): StaticApiKey[] => {
  const keys = parseList(value, (item): StaticApiKey => {
    const separator = item.indexOf(':');
    const tenantId = item.slice(0, Math.max(separator, 0));
    const key = item.slice(separator + 1);
    if (separator < 1 || !namePattern.test(tenantId)) {
      throw new TypeError('expected <tenant>:<key>, the tenant made of letters, digits, ".", "_" or "-"');
    }
    if (key.length < MIN_KEY_LENGTH || /\s/.test(key)) throw new TypeError(`expected a key of at least ${MIN_KEY_LENGTH} characters without spaces`);
    return { tenantId, key };
  });
  if (new Set(keys.map(({ key }) => key)).size !== keys.length) throw new TypeError('expected every key to be different');
  return keys;
};

const boundedBytes = (min: number, max: number, why: string) => fromParser((value) => {
  const bytes = parseByteSize(value);
  if (bytes < min || bytes > max) throw new RangeError(`expected a byte size from ${min} to ${max} (${why})`);
  return bytes;
});

const boundedDuration = (minMs: number, maxMs: number) => duration().refine(
  (ms) => ms >= minMs && ms <= maxMs,
  { message: `expected a duration from ${minMs}ms to ${maxMs}ms` },
);

const instanceId = () => fromParser((value) => {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(value)) throw new TypeError('expected 1 to 100 letters, digits, ".", "_" or "-"');
  return value;
});

/** `<hostname>-<pid>-<random>`, reduced to what a Kafka consumer group id accepts. */
export const defaultInstanceId = (): string =>
  `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`.replaceAll(/[^A-Za-z0-9._-]/g, '-').slice(0, 100);

/**
 * The ingress's schema. A function, not a constant: the default instance id is drawn per call,
 * so two ingresses started in one process (tests) never share a status consumer group.
 */
export const ingressConfigSchema = () => defineConfig({
  ...baseVariables({ processName: 'ingress' }),
  INGRESS_HOST: setting(text(), '127.0.0.1', 'Interface the ingress (HTTP API and WebSocket) listens on; 0.0.0.0 for every interface.'),
  INGRESS_PORT: setting(port({ allowZero: true }), '8080', 'Port of the ingress (HTTP API, WebSocket /v1/ws, and /health, /ready, /metrics); 0 picks a free port.'),
  RIVULET_API_KEYS: setting(fromParser(parseApiKeys), `${DEVELOPMENT_TENANT}:${DEVELOPMENT_API_KEY}`, 'Fixed API keys the ingress accepts beside the keys in PostgreSQL (`rivulet keys create`), checked first: comma-separated <tenant>:<key> pairs. The default is a development key; set your own anywhere else (refused with RIVULET_ENV=production).', { secret: true }),
  INGEST_MAX_DOCUMENT_BYTES: sharedVariables.INGEST_MAX_DOCUMENT_BYTES,
  WS_MAX_FRAME_BYTES: setting(boundedBytes(1024, 64 * 1024 * 1024, '1 KiB to 64 MiB'), '1MiB', 'Largest WebSocket frame a client may send; a larger one closes the socket with status 1009.'),
  WS_AUTH_TIMEOUT: setting(boundedDuration(100, 120_000), '5s', 'Time a WebSocket client without an Authorization header has to send its auth frame before the socket is closed with 4401.'),
  CHAT_REQUEST_TIMEOUT: setting(boundedDuration(1000, 3_600_000), '120s', 'How long a chat or search request may take from acceptance to its last reply; then the client gets `timeout` and workers drop the request. Keep it above the time a worker failure takes to be noticed (KAFKA_SESSION_TIMEOUT) so a regenerated answer can still arrive.'),
  WS_MAX_BUFFERED_BYTES: setting(boundedBytes(64 * 1024, 1024 * 1024 * 1024, '64 KiB to 1 GiB'), '4MiB', 'Unsent bytes a WebSocket or SSE client may have queued before it is disconnected (WebSocket close 1013): a client that stops reading never grows the server\'s memory beyond this per connection.'),
  WS_ALLOWED_ORIGINS: setting(fromParser(parseAllowedOrigins), 'self', 'Browser origins allowed to open a WebSocket, comma-separated (e.g. https://app.example.com): `self` is the origin of the Host the ingress is served on (http and https), `*` any origin. An upgrade without an Origin header (a non-browser client) is always allowed; another Origin gets HTTP 403.'),
  WS_MAX_SOCKETS_PER_KEY: setting(integer({ min: 1, max: 1_000_000 }), '100', 'Open WebSocket connections one API key may have on one ingress instance (not across instances); one more is closed with 4429 after authentication.'),
  INGRESS_METRICS_ON_API: setting(booleanFlag(), 'true', 'Serve /metrics on the API port (INGRESS_PORT) as well; false answers 404 there, and metrics stay on the ops server (OPS_HOST:OPS_PORT). Set false where the API port is reachable by clients: the metrics show every tenant\'s traffic.'),
  EMBEDDING_MODEL_DIR: sharedVariables.EMBEDDING_MODEL_DIR,
  INGRESS_EMBEDDINGS_BATCH_SIZE: setting(integer({ min: 1, max: 256 }), '8', 'Texts per model run of a POST /v1/embeddings input, one run at a time per ingress: the model\'s memory grows with batch size × tokens², and onnxruntime keeps what its largest run needed, so this bounds the ingress\'s memory (with 8, about 650 MiB resident under the largest inputs; see docs/operations.md).'),
  INGRESS_EMBEDDINGS_MAX_TOKENS: setting(integer({ min: 1, max: 1_000_000 }), '65536', 'Tokens (of the embedding model, special tokens included) all strings of one POST /v1/embeddings `input` may have together; over it the request is refused with 413 payload_too_large before any is embedded. The default takes the largest input the other limits allow: 256 strings of the model\'s 256 tokens.'),
  INGRESS_INSTANCE_ID: setting(instanceId(), defaultInstanceId(), 'Name of this ingress instance; its status and reply consumer groups are rivulet-ingress-status-<id> and rivulet-ingress-replies-<id>. Unique per running instance.', { documentedDefault: '<hostname>-<pid>-<random>' }),
  RATE_LIMIT_PER_MINUTE: setting(integer({ min: 0, max: 1_000_000 }), '600', 'Requests per minute an API key may send (WebSocket chat, ingest and delete_document frames; HTTP POST chat, search, embeddings and documents, DELETE documents) when the key has no rate_per_minute of its own; 0 = unlimited. Counted in Redis across instances.'),
  RATE_LIMIT_REDIS_DOWN: setting(oneOf(['allow-local', 'deny']), 'allow-local', 'What the rate limiter does while Redis is unreachable: allow-local counts per instance (with N instances a key may get up to N times its limit), deny refuses counted requests with rate_limited.'),
});

export const loadIngressConfig = (env: Environment = process.env) => loadConfig(ingressConfigSchema(), env);

export type IngressConfig = ReturnType<typeof loadIngressConfig>;
