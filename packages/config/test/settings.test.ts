import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  databasePoolSize, decimal, defineConfig, describeVariable, duration, loadConfig, optionalSetting, setting, text, url, variable,
} from '../src/index.js';

await test('setting: the same catalogue entry, default and parse as variable() with a default', () => {
  const compact = setting(duration(), '5s', 'How long to wait.', { documentedDefault: 'five seconds' });
  const spelled = variable({ description: 'How long to wait.', schema: duration(), default: '5s', documentedDefault: 'five seconds' });
  assert.deepEqual(describeVariable(compact), describeVariable(spelled));
  assert.deepEqual(describeVariable(compact), { description: 'How long to wait.', default: 'five seconds', secret: false, optional: false });
  assert.deepEqual(loadConfig(defineConfig({ WAIT: compact }), {}), { WAIT: 5000 });
  assert.deepEqual(loadConfig(defineConfig({ WAIT: compact }), { WAIT: '2ms' }), { WAIT: 2 });
});

await test('optionalSetting: may stay unset, and keeps its secret flag', () => {
  const key = optionalSetting(text(), 'API key of the provider.', { secret: true });
  assert.deepEqual(describeVariable(key), { description: 'API key of the provider.', default: undefined, secret: true, optional: true });
  const schema = defineConfig({ PROVIDER_KEY: key });
  assert.ok(!('PROVIDER_KEY' in loadConfig(schema, {})));
  assert.deepEqual(loadConfig(schema, { PROVIDER_KEY: ' k ' }), { PROVIDER_KEY: 'k' });
  const secretUrl = defineConfig({ PROVIDER_URL: optionalSetting(url(), 'Provider URL with its password.', { secret: true }) });
  assert.throws(() => loadConfig(secretUrl, { PROVIDER_URL: 'hunter2' }), (error: Error) => error.message.includes('<redacted>') && !error.message.includes('hunter2'));
});

await test('databasePoolSize: <WORKER>_DATABASE_POOL_SIZE from 1 to 200, described for its worker', () => {
  const schema = defineConfig(databasePoolSize('RETRIEVAL', '8', 'one retrieval process'));
  assert.deepEqual(Object.keys(schema.shape), ['RETRIEVAL_DATABASE_POOL_SIZE']);
  assert.deepEqual(describeVariable(schema.shape.RETRIEVAL_DATABASE_POOL_SIZE), {
    description: 'PostgreSQL connections of one retrieval process.', default: '8', secret: false, optional: false,
  });
  const size: number = loadConfig(schema, {}).RETRIEVAL_DATABASE_POOL_SIZE;
  assert.equal(size, 8);
  assert.equal(loadConfig(schema, { RETRIEVAL_DATABASE_POOL_SIZE: '200' }).RETRIEVAL_DATABASE_POOL_SIZE, 200);
  for (const bad of ['0', '201', '1.5']) {
    assert.throws(() => loadConfig(schema, { RETRIEVAL_DATABASE_POOL_SIZE: bad }), /RETRIEVAL_DATABASE_POOL_SIZE: expected an integer from 1 to 200/, bad);
  }
});

await test('decimal: a number within its bounds, decimals allowed; anything else names the bounds', () => {
  const share = decimal({ min: -1, max: 1 });
  for (const [raw, value] of [['-1', -1], ['0.25', 0.25], [' 1 ', 1], ['1e-1', 0.1]] as const) assert.equal(share.parse(raw), value, raw);
  for (const bad of ['', ' ', '1.01', '-2', 'NaN', 'Infinity', 'half']) {
    const result = share.safeParse(bad);
    assert.equal(result.success, false, bad);
    assert.deepEqual(result.error?.issues.map((issue) => issue.message), ['expected a number from -1 to 1'], bad);
  }
});
