import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueName, waitFor } from '../src/index.js';

test('waitFor resolves with the first truthy value of an async probe, polling again after a throw', async () => {
  let calls = 0;
  const value = await waitFor(async () => {
    calls += 1;
    if (calls === 1) throw new Error('not up yet');
    return Promise.resolve(calls >= 3 ? { calls } : undefined);
  }, { intervalMs: 1 });
  assert.deepEqual(value, { calls: 3 });
});

test('waitFor fails after its timeout, naming what it waited for and the last error', async () => {
  await assert.rejects(
    waitFor(() => { throw new Error('connection refused'); }, { timeoutMs: 20, intervalMs: 5, description: 'the server' }),
    { message: 'Timed out after 20 ms waiting for the server: connection refused' },
  );
  await assert.rejects(waitFor(() => false, { timeoutMs: 10, intervalMs: 5 }), { message: 'Timed out after 10 ms waiting for condition' });
});

test('uniqueName keeps its prefix and never repeats', () => {
  const names = new Set(Array.from({ length: 100 }, () => uniqueName('topic')));
  assert.equal(names.size, 100);
  for (const name of names) assert.match(name, /^topic-[0-9a-z]+-[0-9a-f]{8}$/);
});
