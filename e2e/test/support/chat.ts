import assert from 'node:assert/strict';
import { RivuletSocket, webSocketUrlOf, type ServerFrame } from '@rivulet/protocol';

/** A frame from the server as the checks read it: the contract's frame, any field readable. */
export type Frame = ServerFrame & { [field: string]: unknown };

/** A client of /v1/ws (the protocol's RivuletSocket) that records every frame; resolves once `ready`. */
export const connect = async (baseUrl: string, apiKey: string) => {
  const client = await RivuletSocket.connect({ url: webSocketUrlOf(baseUrl), apiKey }, 60_000);
  const frames = client.received as Frame[];
  const until = async (predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> => {
    await client.waitFor(() => predicate() || undefined, timeoutMs, what);
  };
  const of = (id: string) => client.framesOf(id) as Frame[];
  return {
    socket: client.raw, frames, until, of,
    closed: () => client.closeStatus,
    /** Any object as JSON: the e2e suite also sends frames outside the contract on purpose. */
    send: (frame: object) => client.sendText(JSON.stringify(frame)),
    /** Sends a chat and waits for its terminal frame; returns every frame of that id. */
    chat: async (frame: { id: string; message: string } & Record<string, unknown>, timeoutMs = 60_000): Promise<Frame[]> =>
      (await client.chat(frame, timeoutMs)) as Frame[],
    close: () => client.close(),
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
