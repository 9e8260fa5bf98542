import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { componentLogger, createLogger, withContext, type LoggerOptions } from '../src/index.js';

const capture = (options: Omit<LoggerOptions, 'destination'> = { name: 'test-service' }) => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  const logger = createLogger({ ...options, destination });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
};

const secret = 'sk-live-SECRET-4242';
const prompt = 'PROMPT-TEXT: my private medical question';

await test('logger: base fields are service, pid and hostname, with an ISO time and level word', () => {
  const { logger, records } = capture();
  logger.info('started');
  const [record] = records();
  assert.equal(record?.service, 'test-service');
  assert.equal(record?.pid, process.pid);
  assert.equal(record?.hostname, hostname());
  assert.equal(record?.level, 'info');
  assert.equal(record?.msg, 'started');
  assert.match(String(record?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

await test('logger: credentials never reach the output', () => {
  const { logger, lines } = capture();
  logger.info({
    apiKey: secret,
    provider: { apiKey: secret, token: secret, password: secret },
    req: { headers: { authorization: `Bearer ${secret}`, 'x-api-key': secret, cookie: secret } },
    config: { DATABASE_URL: `postgres://rivulet:${secret}@db/rivulet`, connectionString: secret },
    client: { options: { secret } },
  }, 'calling provider');
  const output = lines.join('\n');
  assert.ok(!output.includes('SECRET-4242'), output);
  assert.match(output, /"apiKey":"\[redacted\]"/);
  assert.match(output, /"provider":\{"apiKey":"\[redacted\]"/);
});

await test('logger: prompt and message text never reach the output', () => {
  const { logger, lines } = capture();
  logger.info({
    prompt,
    request: { model: 'gpt', messages: [{ role: 'user', content: prompt }] },
    message: { role: 'user', content: prompt },
    frame: { type: 'chat', id: 'c1', message: prompt },
    response: { choices: [{ message: { content: prompt } }] },
    document: { text: prompt },
  }, 'model call');
  const output = lines.join('\n');
  assert.ok(!output.includes('PROMPT-TEXT'), output);
  assert.match(output, /"model":"gpt"/, 'other fields are kept');
  assert.match(output, /"frame":\{"type":"chat","id":"c1","message":"\[redacted\]"\}/);
});

await test('logger: errors keep their message and stack under `error`', () => {
  const { logger, records } = capture();
  logger.error({ error: new Error('broker unreachable') }, 'failed');
  const error = records()[0]?.error as { message?: string; stack?: string; type?: string };
  assert.equal(error.message, 'broker unreachable');
  assert.equal(error.type, 'Error');
  assert.match(error.stack ?? '', /broker unreachable/);
});

await test('logger: extra redact paths, levels, component and context children', () => {
  const { logger, records } = capture({ name: 'svc', level: 'warn', redactPaths: ['customer.ssn'] });
  logger.info('dropped below warn');
  const child = withContext(componentLogger(logger, 'consumer'), { requestId: 'r-1', traceId: 't-1', tenantId: undefined });
  child.warn({ customer: { ssn: '123-45-6789' } }, 'slow');
  const [record] = records();
  assert.equal(records().length, 1);
  assert.equal(record?.component, 'consumer');
  assert.equal(record?.requestId, 'r-1');
  assert.equal(record?.traceId, 't-1');
  assert.ok(!('tenantId' in (record ?? {})));
  assert.deepEqual(record?.customer, { ssn: '[redacted]' });
});
