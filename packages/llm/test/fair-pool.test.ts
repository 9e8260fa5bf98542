// The fair pool's order on its own: who gets a freed item, with one item (CHAT_LOCAL_CONCURRENCY=1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPool } from '../src/fair-pool.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('a waiting tenant is not passed over by tenants that keep going idle and coming back', async () => {
  const pool = createPool(['sequence']);
  const signal = new AbortController().signal;
  const served: string[] = [];
  const take = (name: string, tenant: string) => void pool.acquire(signal, tenant).then(() => served.push(name));
  /** The one sequence goes back, whoever holds it, and the pool lends it on. */
  const handOn = async () => {
    pool.release('sequence');
    await settle();
  };
  take('a1', 'A');
  await settle();
  take('a2', 'A');
  take('b1', 'B');
  await handOn(); // B was never served: b1 before a2
  take('c1', 'C');
  await handOn(); // C was never served: c1 before a2
  take('b2', 'B'); // B comes back; it was served after A, so it waits behind a2
  await handOn();
  await handOn();
  assert.deepEqual(served, ['a1', 'b1', 'c1', 'a2', 'b2']);
  assert.equal(pool.waiting, 0);
});

test('an aborted waiter leaves the queue and the next tenant gets the item', async () => {
  const pool = createPool(['sequence']);
  const held = await pool.acquire(new AbortController().signal, 'A');
  const leaving = new AbortController();
  const gone = pool.acquire(leaving.signal, 'B');
  const next = pool.acquire(new AbortController().signal, 'C');
  leaving.abort();
  await assert.rejects(gone);
  assert.equal(pool.waiting, 1);
  pool.release(held);
  assert.equal(await next, 'sequence');
});
