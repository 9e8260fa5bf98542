import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryBreakerStore } from '../src/index.js';

const settings = { windowMs: 10_000, minRequests: 4, failureRatio: 0.5, cooldownMs: 5_000 };
const start = 1_700_000_000_000;

test('closed until minRequests ended in the window with failureRatio failed; then open for cooldownMs, counts reset', async () => {
  const store = createMemoryBreakerStore(settings);
  assert.deepEqual(await store.state('a', start), { state: 'closed', failures: 0, requests: 0 });
  await store.record('a', 'failure', start);
  await store.record('a', 'failure', start + 1);
  assert.deepEqual(await store.record('a', 'success', start + 2), { state: 'closed', failures: 2, requests: 3 }, 'two of three, but fewer than minRequests');
  assert.deepEqual(await store.record('a', 'failure', start + 3), { state: 'open', openedUntil: start + 3 + 5_000, failures: 0, requests: 0 });
  assert.equal(await store.tryAcquireProbe('a', start + 4), false);
  assert.deepEqual(await store.record('a', 'success', start + 5), { state: 'open', openedUntil: start + 5_003, failures: 0, requests: 0 }, 'late outcomes are ignored while open');
  assert.equal((await store.state('b', start)).state, 'closed', 'per deployment');
});

test('the window rolls: failures older than windowMs no longer count', async () => {
  const store = createMemoryBreakerStore(settings);
  for (let index = 0; index < 3; index += 1) await store.record('a', 'failure', start + index);
  assert.deepEqual(await store.state('a', start + 9_000), { state: 'closed', failures: 3, requests: 3 });
  assert.deepEqual(await store.state('a', start + 11_000), { state: 'closed', failures: 0, requests: 0 });
  assert.equal((await store.record('a', 'failure', start + 11_000)).state, 'closed', 'one failure in the new window');
});

test('half-open after the cooldown: one probe at a time (leased for cooldownMs); success closes, failure reopens', async () => {
  const store = createMemoryBreakerStore({ ...settings, minRequests: 1 });
  await store.record('a', 'failure', start);
  const later = start + 5_000;
  assert.equal((await store.state('a', later)).state, 'half_open');
  assert.equal(await store.tryAcquireProbe('a', later), true);
  assert.equal(await store.tryAcquireProbe('a', later + 1), false, 'the probe is out');
  assert.equal(await store.tryAcquireProbe('a', later + 5_000), true, 'the lease ran out (the probe never reported)');
  assert.deepEqual(await store.record('a', 'failure', later + 5_001), { state: 'open', openedUntil: later + 10_001, failures: 0, requests: 0 });
  assert.equal((await store.record('a', 'success', later + 10_001)).state, 'closed');
  assert.equal(await store.tryAcquireProbe('a', later + 10_002), true, 'closed admits everyone');
});

test('forceClose closes and resets; list gives every known deployment', async () => {
  const store = createMemoryBreakerStore({ ...settings, minRequests: 1 });
  await store.record('a', 'failure', start);
  await store.record('b', 'success', start);
  assert.deepEqual((await store.list(start)).map(({ deployment, state }) => [deployment, state]), [['a', 'open'], ['b', 'closed']]);
  await store.forceClose('a');
  assert.deepEqual(await store.state('a', start), { state: 'closed', failures: 0, requests: 0 });
});

test('bad settings fail at construction', () => {
  assert.throws(() => createMemoryBreakerStore({ ...settings, failureRatio: 0 }), /failureRatio/);
  assert.throws(() => createMemoryBreakerStore({ ...settings, windowMs: 0 }), /windowMs/);
});
