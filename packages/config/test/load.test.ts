import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ConfigError, defineConfig, duration, loadConfig, port, text, url, variable } from '../src/index.js';

const schema = defineConfig({
  API_KEY: variable({ description: 'Key for the model provider.', schema: text(), secret: true }),
  UPSTREAM_URL: variable({ description: 'Upstream base URL.', schema: url({ protocols: ['https:'] }), secret: true, default: 'https://example.com' }),
  TIMEOUT: variable({ description: 'Request timeout.', schema: duration(), default: '30s' }),
  LISTEN_PORT: variable({ description: 'Port to listen on.', schema: port() }),
  TRACE_URL: variable({ description: 'Optional tracing endpoint.', schema: url(), optional: true }),
});

const failure = (run: () => unknown): ConfigError => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
};

await test('loadConfig: parses set values, applies raw defaults and leaves optional ones out', () => {
  const config = loadConfig(schema, { API_KEY: 'k', LISTEN_PORT: '8080', TIMEOUT: '500ms', UNRELATED: 'x' });
  assert.deepEqual({ ...config }, { API_KEY: 'k', UPSTREAM_URL: 'https://example.com', TIMEOUT: 500, LISTEN_PORT: 8080 });
  assert.ok(!('TRACE_URL' in config));
  assert.ok(Object.isFrozen(config));
  const typed: number = config.TIMEOUT;
  assert.equal(typed, 500);
});

await test('loadConfig: treats empty and blank values as unset', () => {
  const config = loadConfig(schema, { API_KEY: 'k', LISTEN_PORT: '1', TIMEOUT: '', TRACE_URL: '  ' });
  assert.equal(config.TIMEOUT, 30_000);
  assert.equal(config.TRACE_URL, undefined);
});

await test('loadConfig: lists every bad variable with what was expected and what was found', () => {
  const error = failure(() => loadConfig(schema, { TIMEOUT: '30', LISTEN_PORT: 'http' }));
  assert.equal(error.code, 'invalid_config');
  assert.equal(error.retriable, false);
  assert.deepEqual(error.issues.map((issue) => issue.variable).sort(), ['API_KEY', 'LISTEN_PORT', 'TIMEOUT']);
  assert.match(error.message, /^Invalid configuration: 3 environment variables are missing or bad\./);
  assert.match(error.message, /API_KEY: required \(Key for the model provider\.\); found not set/);
  assert.match(error.message, /TIMEOUT: expected a duration with a unit .*; found "30"/);
  assert.match(error.message, /LISTEN_PORT: expected a port number from 1 to 65535; found "http"/);
});

await test('loadConfig: never prints the value of a secret variable', () => {
  const error = failure(() => loadConfig(schema, { API_KEY: 'k', LISTEN_PORT: '1', UPSTREAM_URL: 'http://user:hunter2@example.com' }));
  assert.match(error.message, /UPSTREAM_URL: expected a URL starting with https:\/\/; found <redacted>/);
  assert.ok(!error.message.includes('hunter2'));
  assert.ok(!JSON.stringify(error.issues).includes('hunter2'));
});

await test('loadConfig: accepts plain zod schemas and reports their messages', () => {
  const plain = defineConfig({ MODE: z.enum(['a', 'b']).describe('Mode.') });
  assert.equal(loadConfig(plain, { MODE: 'b' }).MODE, 'b');
  assert.match(failure(() => loadConfig(plain, { MODE: 'c' })).message, /MODE: .*expected one of "a"\|"b"; found "c"/);
});

await test('loadConfig: refuses keys that are not environment variable names', () => {
  assert.throws(() => defineConfig({ apiKey: text() }), /not environment variable names.*apiKey/);
});
