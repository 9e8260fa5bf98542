import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventRecords } from '@rivulet/schemas';
import type { AnyOutgoingEvent } from '@rivulet/kafka';
import { DeltaPublisher, type DeltaEmit, type DeltaPublisherOptions, type DeltaStreamOptions } from '../src/delta-publisher.js';

type Sent = AnyOutgoingEvent<Pick<EventRecords, 'reply-delta'>>;

/** Stands in for the runtime's emitter (HandlerContext.emit) of the events the streams answer. */
interface DeltaSink {
  send: DeltaEmit;
}

/** A publisher whose streams all leave through the sink's one emitter, so their deltas share its calls. */
const publisherOn = (sink: DeltaSink, settings?: DeltaPublisherOptions) => {
  const publisher = new DeltaPublisher(settings);
  return { open: (stream: Omit<DeltaStreamOptions, 'emit'>) => publisher.open({ ...stream, emit: sink.send }) };
};

/** A sink whose sends complete only when the test releases them, like a broker round trip. */
const controlledSink = () => {
  const sends: Sent[][] = [];
  const pending: (() => void)[] = [];
  let failNext = false;
  const sink: DeltaSink = {
    send: (events) => {
      sends.push([...events]);
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('broker down'));
      }
      return new Promise<void>((resolve) => pending.push(resolve));
    },
  };
  return {
    sink, sends,
    release: async () => {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
    failNextSend: () => {
      failNext = true;
    },
  };
};

const options = (requestId: string) => ({ tenantId: 't', correlationId: requestId, requestId, attemptId: `a-${requestId}`, partition: 3, reset: false });

test('the first text goes out at once; text arriving during a send is coalesced into one delta per request', async () => {
  const { sink, sends, release } = controlledSink();
  const publisher = publisherOn(sink);
  const stream = publisher.open(options('r1'));
  stream.start([{ n: 1, documentId: 'd', chunkId: 'c', title: null, score: 0.9, snippet: 's' }]);
  assert.equal(sends.length, 1, 'sources leave immediately');
  for (const token of ['Hel', 'lo', ' wor', 'ld']) stream.append(token);
  assert.equal(sends.length, 1, 'nothing else while the first send is in flight');
  await release();
  assert.equal(sends.length, 2);
  const second = sends[1]!;
  assert.equal(second.length, 1, 'four tokens became one delta');
  assert.equal(second[0]!.value.payload.content, 'Hello world');
  assert.equal(second[0]!.value.payload.seq, 1);
  assert.equal(second[0]!.partition, 3, 'produced to the request\'s reply partition');
  const first = sends[0]![0]!.value.payload;
  assert.equal(first.seq, 0);
  assert.equal(first.content, '');
  assert.equal(first.sources?.length, 1);
  assert.equal(second[0]!.value.payload.sources, null, 'only seq 0 carries sources');
  const flushed = stream.flush();
  await release();
  await flushed;
});

test('streams share sends, keep their own gap-free seq, and flush waits only for its own text', async () => {
  const { sink, sends, release } = controlledSink();
  const publisher = publisherOn(sink);
  const a = publisher.open(options('a'));
  const b = publisher.open(options('b'));
  a.start([]);
  b.start([]);
  a.append('a1');
  b.append('b1');
  await release();
  assert.equal(sends[1]!.length, 2, 'one send carries both streams');
  a.append('a2');
  let flushed = false;
  const flushing = a.flush().then(() => {
    flushed = true;
  });
  await release();
  b.append('b2');
  await release();
  await flushing;
  assert.ok(flushed);
  const seqs = (requestId: string) => sends.flat().filter((event) => event.value.payload.requestId === requestId).map((event) => event.value.payload.seq);
  assert.deepEqual(seqs('a'), [0, 1, 2]);
  assert.deepEqual(seqs('b').slice(0, 2), [0, 1]);
  await release();
});

test('a failed send fails the flush of every stream it carried, and later streams still work', async () => {
  const { sink, release, failNextSend } = controlledSink();
  const publisher = publisherOn(sink);
  failNextSend();
  const broken = publisher.open(options('x'));
  broken.start([]);
  await assert.rejects(broken.flush(), /broker down/);
  const healthy = publisher.open(options('y'));
  healthy.start([]);
  const flushing = healthy.flush();
  await release();
  await flushing;
});

test('a long burst is split so no delta exceeds the size bound', async () => {
  const { sink, sends, release } = controlledSink();
  const publisher = publisherOn(sink);
  const stream = publisher.open(options('big'));
  stream.start([]);
  stream.append('x'.repeat(20_000));
  await release();
  const contents = sends[1]!.map((event) => event.value.payload.content.length);
  assert.ok(contents.every((length) => length <= 8192), `deltas of ${contents.join(', ')} characters`);
  assert.equal(contents.reduce((sum, length) => sum + length, 0), 20_000);
  await release();
});

test('streams of different events leave in the same drain, each through its own event\'s emitter, with no headers of their own', async () => {
  // The runtime stamps correlation and trace headers on what a handler emits (packages/kafka, handler-outputs.test.ts).
  const first = controlledSink();
  const second = controlledSink();
  const publisher = new DeltaPublisher();
  const a = publisher.open({ ...options('e1'), emit: first.sink.send });
  const b = publisher.open({ ...options('e2'), emit: second.sink.send });
  a.start([]);
  a.append('a');
  b.start([]);
  b.append('b');
  assert.deepEqual([first.sends.length, second.sends.length], [1, 0], 'b waits for the drain in flight');
  await first.release();
  assert.deepEqual([first.sends.length, second.sends.length], [2, 1], 'the next drain sends both streams at once, each through its own emitter');
  assert.deepEqual(second.sends[0]!.map(({ value }) => value.payload.content), ['b']);
  assert.deepEqual([...first.sends, ...second.sends].flat().map(({ headers }) => headers), [undefined, undefined, undefined]);
  const flushing = Promise.all([a.flush(), b.flush()]);
  await first.release();
  await second.release();
  await flushing;
});

/** A sink that acknowledges every send at once (the interval, not the round trip, is what bounds the records). */
const instantSink = () => {
  const sends: Sent[][] = [];
  return { sends, sink: { send: (events) => (sends.push([...events]), Promise.resolve()) } satisfies DeltaSink };
};
const contents = (sends: Sent[][]) => sends.flat().map((event) => event.value.payload.content);
const settle = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('with an interval, the first text goes at once and later tokens wait for it, coalesced into one record', async () => {
  const { sink, sends } = instantSink();
  let clock = 0;
  // The clock decides when text is due; the timer that sends held text is real (~185 ms here),
  // long enough that a slow event loop cannot fire it before the "held" assertion.
  const publisher = publisherOn(sink, { intervalMs: 200, now: () => clock });
  const stream = publisher.open(options('i1'));
  stream.start([{ n: 1, documentId: 'd', chunkId: 'c', title: null, score: 0.9, snippet: 's' }]);
  await settle();
  assert.deepEqual(contents(sends), [], 'the sources wait for the first text');
  stream.append('first');
  await settle();
  assert.deepEqual(contents(sends), ['first'], 'the first text leaves at once, and the sources with it');
  assert.equal(sends[0]![0]!.value.payload.seq, 0);
  assert.equal(sends[0]![0]!.value.payload.sources?.length, 1);
  for (const token of [' a', ' b', ' c']) {
    clock += 5;
    stream.append(token);
    await settle();
  }
  assert.deepEqual(contents(sends), ['first'], 'tokens within the interval are held');
  clock += 185;
  await sleep(300);
  assert.deepEqual(contents(sends), ['first', ' a b c'], 'one record once the interval has passed');
  clock += 500;
  stream.append(' late');
  await settle();
  assert.deepEqual(contents(sends).at(-1), ' late', 'text after a quiet spell longer than the interval goes at once');
  await stream.flush();
  assert.deepEqual(sends.flat().map((event) => event.value.payload.seq), [0, 1, 2], 'seq stays gap-free');
});

test('with an interval, flush sends held text at once: a fast answer ends without waiting', async () => {
  const { sink, sends } = instantSink();
  const publisher = publisherOn(sink, { intervalMs: 1000 });
  const stream = publisher.open(options('i2'));
  stream.append('one');
  await settle();
  stream.append(' two');
  stream.append(' three');
  const started = performance.now();
  await stream.flush();
  assert.ok(performance.now() - started < 200, 'flush did not wait for the 1 s interval');
  assert.deepEqual(contents(sends), ['one', ' two three']);
});

test('with an interval, a failover marker and text past the size bound leave at once', async () => {
  const { sink, sends } = instantSink();
  const publisher = publisherOn(sink, { intervalMs: 1000, sizeBound: 10 });
  const stream = publisher.open(options('i3'));
  stream.append('start');
  await settle();
  stream.append('abc');
  await settle();
  assert.deepEqual(contents(sends), ['start']);
  stream.append('defghijkl');
  await settle();
  assert.deepEqual(contents(sends), ['start', 'abcdefghijkl'], '12 pending characters passed the bound of 10');
  stream.append('xy');
  stream.failover({ from: 'a', to: 'b', reason: 'stalled', afterOutput: true });
  await settle();
  const last = sends.at(-1)!.map((event) => event.value.payload);
  assert.deepEqual(last.map(({ content, failover }) => [content, failover?.to ?? null]), [['xy', null], ['', 'b']], 'the held text, then the marker');
  await stream.flush();
});

test('with an interval, sources with no text yet leave alone once the interval has passed, or at once on flush', async () => {
  const slow = instantSink();
  const waiting = publisherOn(slow.sink, { intervalMs: 200 }).open(options('i4'));
  waiting.start([]);
  await sleep(20);
  assert.equal(slow.sends.length, 0, 'held while the model has not answered yet');
  await sleep(300);
  assert.deepEqual(contents(slow.sends), [''], 'then the sources alone (a slow model still shows its sources early)');
  assert.equal(slow.sends[0]![0]!.value.payload.sources?.length, 0);

  const failing = instantSink();
  const ended = publisherOn(failing.sink, { intervalMs: 1000 }).open(options('i5'));
  ended.start([]);
  await ended.flush();
  assert.deepEqual(contents(failing.sends), [''], 'an answer that ends before any text (an error) still sends its sources, without waiting');
});
