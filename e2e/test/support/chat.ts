import assert from 'node:assert/strict';
import WebSocket from 'ws';

export type Frame = Record<string, unknown> & { type: string; id?: string };

/** A WebSocket client of /v1/ws that records every frame. */
export const connect = async (baseUrl: string, apiKey: string) => {
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/v1/ws`, { headers: { authorization: `Bearer ${apiKey}` } });
  const frames: Frame[] = [];
  let closed: { code: number; reason: string } | undefined;
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as Frame));
  socket.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const until = async (predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}; frames: ${JSON.stringify(frames).slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await until(() => frames.some((frame) => frame.type === 'ready'), 'ready');
  const of = (id: string) => frames.filter((frame) => frame.id === id);
  const terminal = (id: string) => of(id).find((frame) => frame.type === 'done' || frame.type === 'error');
  return {
    socket, frames, until, of,
    closed: () => closed,
    send: (frame: object) => socket.send(JSON.stringify(frame)),
    /** Sends a chat and waits for its terminal frame; returns every frame of that id. */
    chat: async (frame: { id: string; message: string } & Record<string, unknown>, timeoutMs = 60_000): Promise<Frame[]> => {
      socket.send(JSON.stringify({ type: 'chat', ...frame }));
      await until(() => terminal(frame.id) !== undefined, `the answer to ${frame.id}`, timeoutMs);
      return of(frame.id);
    },
    close: () => socket.close(),
  };
};

export type ChatClient = Awaited<ReturnType<typeof connect>>;

/** Checks PROTOCOL.md §1's order for one chat id and returns the answer's parts. */
export const checkAnswer = (frames: Frame[]) => {
  const types = frames.map((frame) => frame.type);
  assert.equal(types[0], 'ack', `first frame is ack: ${types.join(',')}`);
  assert.equal(types.filter((type) => type === 'done' || type === 'error').length, 1, `exactly one terminal frame: ${types.join(',')}`);
  assert.equal(types.at(-1), 'done', `ends with done: ${JSON.stringify(frames.at(-1))}`);
  const sourcesAt = types.indexOf('sources');
  const firstDelta = types.indexOf('delta');
  assert.ok(sourcesAt > 0 && (firstDelta === -1 || sourcesAt < firstDelta), 'sources before the first delta');
  const deltas = frames.filter((frame) => frame.type === 'delta');
  assert.deepEqual(deltas.map((frame) => frame.seq), deltas.map((_, index) => index), 'gap-free seq');
  const done = frames.at(-1)!;
  assert.equal(deltas.map((frame) => frame.content).join(''), done.content, 'deltas concatenate to done.content');
  return {
    ack: frames[0] as Frame & { requestId: string; conversationId: string },
    sources: (frames[sourcesAt]!.sources ?? []) as { n: number; documentId: string; chunkId: string; title: string | null; score: number; snippet: string }[],
    done: done as Frame & { content: string; conversationId: string; messageId: string; model: string; provider: string; usage: { inputTokens: number; outputTokens: number }; latencyMs: number },
  };
};
