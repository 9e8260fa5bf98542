// A WebSocket client of /v1/ws (PROTOCOL.md §1) that times each answer from the moment its
// `chat` frame is sent. It uses Node's own WebSocket (undici; `--experimental-websocket` on
// Node 20, which the bench:chat script passes) and authenticates with the `auth` frame, as a
// browser does, so the benchmark needs no WebSocket package of its own.

/** The part of the WHATWG WebSocket this client uses (the project's lib settings have no DOM types). */
interface WhatwgSocket {
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'error' | 'close', listener: (event: { code?: number; reason?: string; message?: string }) => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

const WebSocketClass = (globalThis as { WebSocket?: new (url: string) => WhatwgSocket }).WebSocket;

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

type Frame = Record<string, unknown> & { type: string; id?: string };

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
  ask(frame: { id: string; message: string } & Record<string, unknown>, timeoutMs?: number): Promise<AnswerTiming>;
  close(): void;
}

export const connectChatClient = async (baseUrl: string, apiKey: string): Promise<ChatClient> => {
  if (WebSocketClass === undefined) throw new Error('No global WebSocket: run with `node --experimental-websocket` (Node 20) or Node 22+');
  const socket = new WebSocketClass(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`);
  const pending = new Map<string, Pending>();
  let readyResolve!: () => void;
  let readyReject!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });

  const failAll = (error: Error) => {
    readyReject(error);
    for (const [id, entry] of pending) {
      clearTimeout(entry.timer);
      pending.delete(id);
      entry.reject(error);
    }
  };

  socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'auth', token: apiKey })));
  socket.addEventListener('error', (event) => failAll(new Error(`WebSocket error: ${event.message ?? 'unknown'}`)));
  socket.addEventListener('close', (event) => failAll(new Error(`WebSocket closed: ${event.code ?? '?'} ${event.reason ?? ''}`)));
  socket.addEventListener('message', ({ data }) => {
    const now = performance.now();
    const frame = JSON.parse(String(data)) as Frame;
    if (frame.type === 'ready') return readyResolve();
    const entry = frame.id === undefined ? undefined : pending.get(frame.id);
    if (entry === undefined) return;
    switch (frame.type) {
      case 'ack':
        entry.ack = now;
        break;
      case 'sources':
        entry.sources = now;
        entry.sourceCount = Array.isArray(frame.sources) ? frame.sources.length : 0;
        break;
      case 'delta':
        entry.firstDelta ??= now;
        entry.deltaFrames += 1;
        entry.text += String(frame.content);
        break;
      case 'done': {
        clearTimeout(entry.timer);
        pending.delete(frame.id!);
        const at = (value: number | undefined) => (value ?? now) - entry.started;
        const usage = frame.usage as { outputTokens?: number } | undefined;
        entry.resolve({
          ackMs: at(entry.ack), sourcesMs: at(entry.sources), firstDeltaMs: at(entry.firstDelta), doneMs: now - entry.started,
          deltaFrames: entry.deltaFrames, sources: entry.sourceCount, outputTokens: usage?.outputTokens ?? 0, consistent: frame.content === entry.text,
        });
        break;
      }
      case 'error':
        clearTimeout(entry.timer);
        pending.delete(frame.id!);
        entry.reject(new Error(`chat ${frame.id} answered error ${String(frame.code)}: ${String(frame.message)}`));
        break;
      default:
    }
  });
  await ready;

  return {
    ask: (frame, timeoutMs = 60_000) =>
      new Promise<AnswerTiming>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(frame.id);
          reject(new Error(`chat ${frame.id}: no done within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(frame.id, { started: performance.now(), sourceCount: 0, deltaFrames: 0, text: '', resolve, reject, timer });
        socket.send(JSON.stringify({ type: 'chat', ...frame }));
      }),
    close: () => socket.close(),
  };
};
