// A client of /v1/ws (PROTOCOL.md §1) that times each answer from the moment its `chat` frame is
// sent. It is the protocol's RivuletSocket, authenticating with the `auth` frame as a browser does.
import { RivuletSocket, webSocketUrlOf, type ChatFrame, type ServerFrame } from '@rivulet/protocol';

/** Milliseconds from sending `chat` to each frame of its answer. */
export interface AnswerTiming {
  ackMs: number;
  sourcesMs: number;
  firstDeltaMs: number;
  doneMs: number;
  deltaFrames: number;
  sources: number;
  outputTokens: number;
  /** done.content equals the deltas joined (PROTOCOL.md §1). */
  consistent: boolean;
}

interface Pending {
  started: number;
  ack?: number;
  sources?: number;
  sourceCount: number;
  firstDelta?: number;
  deltaFrames: number;
  text: string;
  resolve: (timing: AnswerTiming) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ChatClient {
  /** Sends a `chat` frame and resolves with its timings when `done` arrives; rejects on `error`. */
  ask(frame: Omit<ChatFrame, 'type'>, timeoutMs?: number): Promise<AnswerTiming>;
  close(): void;
}

/** Records one frame of a pending answer; true when it ended the answer. */
const record = (entry: Pending, frame: ServerFrame, now: number): boolean => {
  switch (frame.type) {
    case 'ack':
      entry.ack = now;
      return false;
    case 'sources':
      entry.sources = now;
      entry.sourceCount = frame.sources.length;
      return false;
    case 'delta':
      entry.firstDelta ??= now;
      entry.deltaFrames += 1;
      entry.text += frame.content;
      return false;
    case 'done': {
      const at = (value: number | undefined) => (value ?? now) - entry.started;
      entry.resolve({
        ackMs: at(entry.ack), sourcesMs: at(entry.sources), firstDeltaMs: at(entry.firstDelta), doneMs: now - entry.started,
        deltaFrames: entry.deltaFrames, sources: entry.sourceCount, outputTokens: frame.usage.outputTokens, consistent: frame.content === entry.text,
      });
      return true;
    }
    case 'error':
      entry.reject(new Error(`chat ${frame.id} answered error ${frame.code}: ${frame.message}`));
      return true;
    default:
      return false;
  }
};

export const connectChatClient = async (baseUrl: string, apiKey: string): Promise<ChatClient> => {
  const socket = await RivuletSocket.connect({ url: webSocketUrlOf(baseUrl), apiKey, authBy: 'frame' });
  const pending = new Map<string, Pending>();
  socket.onFrame((frame, receivedAt) => {
    const entry = 'id' in frame && frame.id !== undefined ? pending.get(frame.id) : undefined;
    if (entry === undefined || !record(entry, frame, receivedAt)) return;
    clearTimeout(entry.timer);
    pending.delete((frame as { id: string }).id);
  });
  socket.onClose(({ code, reason }) => {
    for (const [id, entry] of pending) {
      clearTimeout(entry.timer);
      pending.delete(id);
      entry.reject(new Error(`WebSocket closed: ${code} ${reason}`));
    }
  });

  return {
    ask: (frame, timeoutMs = 60_000) =>
      new Promise<AnswerTiming>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(frame.id);
          reject(new Error(`chat ${frame.id}: no done within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(frame.id, { started: performance.now(), sourceCount: 0, deltaFrames: 0, text: '', resolve, reject, timer });
        socket.send({ type: 'chat', ...frame });
      }),
    close: () => socket.close(),
  };
};
