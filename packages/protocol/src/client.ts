// The one WebSocket client of GET /v1/ws (PROTOCOL.md §1), on the `ws` package: `rivulet ask`,
// the chat benchmark, the e2e suite and the ingress's tests all talk to the server through it.
import { WebSocket, type RawData } from 'ws';
import { isTerminal, type ChatFrame, type ClientFrame, type ReadyFrame, type ServerFrame } from './frames.js';

export interface RivuletSocketOptions {
  /** `ws://host:8080/v1/ws` (see webSocketUrlOf). */
  url: string;
  /** Sent as `Authorization: Bearer <key>` on the upgrade, or as the first frame with `authBy: 'frame'`. */
  apiKey?: string;
  /** `header` (default), or `frame` as a browser does. */
  authBy?: 'header' | 'frame';
  /** More upgrade headers (tests send a bad Authorization or an Origin). */
  headers?: Record<string, string>;
  /** The largest frame accepted from the server; default the `ws` package's 100 MiB. */
  maxPayload?: number;
}

export interface SocketClosed {
  code: number;
  reason: string;
}

/** The connection could not be opened: nothing listens, or the server answered HTTP instead of upgrading. */
export class SocketOpenError extends Error {
  /** The HTTP status of a refused upgrade; undefined when no server answered. */
  readonly status: number | undefined;

  constructor(message: string, status?: number, cause?: unknown) {
    super(message, { cause });
    this.name = 'SocketOpenError';
    this.status = status;
  }
}

type FrameListener = (frame: ServerFrame, receivedAt: number) => void;

const textOf = (data: RawData): string =>
  (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');

/** `http://host:8080/base` -> `ws://host:8080/base/v1/ws`. */
export const webSocketUrlOf = (baseUrl: string): string => {
  const url = new URL(baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/ws`;
  url.search = '';
  url.hash = '';
  return url.toString();
};

export class RivuletSocket {
  /** The underlying socket, for what the contract does not cover (raw sends, protocol pings). */
  readonly raw: WebSocket;
  /** Every frame received, in order. */
  readonly received: ServerFrame[] = [];
  private readonly untaken: ServerFrame[] = [];
  private readonly frameListeners = new Set<FrameListener>();
  private readonly closeListeners = new Set<(closed: SocketClosed) => void>();
  private readonly waiters = new Set<() => void>();
  private closedWith: SocketClosed | undefined;

  private constructor(raw: WebSocket) {
    this.raw = raw;
    raw.on('message', (data, isBinary) => {
      if (isBinary) return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(textOf(data)) as ServerFrame;
      } catch {
        return;
      }
      const receivedAt = performance.now();
      this.received.push(frame);
      this.untaken.push(frame);
      for (const listener of this.frameListeners) listener(frame, receivedAt);
      this.wake();
    });
    raw.on('close', (code, reason) => {
      this.closedWith = { code, reason: reason.toString('utf8') };
      for (const listener of this.closeListeners) listener(this.closedWith);
      this.wake();
    });
  }

  /** Opens the connection (resolves once upgraded, before `ready`); rejects with SocketOpenError. */
  static open(options: RivuletSocketOptions): Promise<RivuletSocket> {
    const { url, apiKey, authBy = 'header', headers = {}, maxPayload } = options;
    const authorization = apiKey !== undefined && authBy === 'header' ? { authorization: `Bearer ${apiKey}` } : {};
    const raw = new WebSocket(url, { headers: { ...authorization, ...headers }, ...(maxPayload === undefined ? {} : { maxPayload }) });
    const socket = new RivuletSocket(raw);
    return new Promise((resolve, reject) => {
      let refusedStatus: number | undefined;
      raw.on('unexpected-response', (_request, response) => {
        refusedStatus = response.statusCode;
        raw.terminate();
      });
      raw.on('error', (error) => {
        if (raw.readyState !== WebSocket.OPEN) {
          reject(refusedStatus === undefined
            ? new SocketOpenError(error.message, undefined, error)
            : new SocketOpenError(`the server answered HTTP ${refusedStatus} instead of opening the WebSocket`, refusedStatus, error));
        }
      });
      raw.once('open', () => {
        if (apiKey !== undefined && authBy === 'frame') socket.send({ type: 'auth', token: apiKey });
        resolve(socket);
      });
    });
  }

  /** Opens the connection and waits for `ready`. */
  static async connect(options: RivuletSocketOptions, timeoutMs = 10_000): Promise<RivuletSocket> {
    const socket = await RivuletSocket.open(options);
    await socket.ready(timeoutMs);
    return socket;
  }

  get isOpen(): boolean {
    return this.raw.readyState === WebSocket.OPEN;
  }

  /** How the socket closed; undefined while it is open. */
  get closeStatus(): SocketClosed | undefined {
    return this.closedWith;
  }

  send(frame: ClientFrame): void {
    this.raw.send(JSON.stringify(frame));
  }

  /** Sends text as it is: only for tests of what the server does with frames outside the contract. */
  sendText(text: string): void {
    this.raw.send(text);
  }

  /** Calls `listener` for each frame, those already received first. Returns the unsubscribe. */
  onFrame(listener: FrameListener): () => void {
    const now = performance.now();
    for (const frame of this.received) listener(frame, now);
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Calls `listener` once the socket closed (at once when it already has). */
  onClose(listener: (closed: SocketClosed) => void): void {
    if (this.closedWith !== undefined) listener(this.closedWith);
    else this.closeListeners.add(listener);
  }

  /** Resolves with what `probe` finds, polling on every frame and on close; rejects after `timeoutMs`. */
  async waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; frames so far: ${JSON.stringify(this.received).slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  /** The next frame not taken yet that matches, taken out of the queue. */
  next(match: (frame: ServerFrame) => boolean = () => true, timeoutMs = 10_000): Promise<ServerFrame> {
    return this.waitFor(() => {
      const index = this.untaken.findIndex(match);
      return index < 0 ? undefined : this.untaken.splice(index, 1)[0];
    }, timeoutMs, 'a matching frame');
  }

  /** Frames received and not taken by `next`, oldest first. */
  get pending(): readonly ServerFrame[] {
    return this.untaken;
  }

  /** Resolves with `ready`; rejects when the socket closes first (4401: the key was refused). */
  ready(timeoutMs = 10_000): Promise<ReadyFrame> {
    return this.waitFor(() => {
      const ready = this.received.find((frame): frame is ReadyFrame => frame.type === 'ready');
      if (ready === undefined && this.closedWith !== undefined) {
        throw new SocketOpenError(`the server closed the socket before ready (${this.closedWith.code} ${this.closedWith.reason})`);
      }
      return ready;
    }, timeoutMs, 'ready');
  }

  /** Every frame received for one chat (or ingest) id, in order. */
  framesOf(id: string): ServerFrame[] {
    return this.received.filter((frame) => 'id' in frame && frame.id === id);
  }

  /** Waits for the chat's one terminal frame (`done` or `error`); resolves with all of that id's frames. */
  async untilTerminal(id: string, timeoutMs = 60_000): Promise<ServerFrame[]> {
    await this.waitFor(() => this.framesOf(id).find(isTerminal), timeoutMs, `the answer to ${id}`);
    return this.framesOf(id);
  }

  /** Sends a chat and waits for its terminal frame; resolves with every frame of its id. */
  chat(frame: Omit<ChatFrame, 'type'>, timeoutMs = 60_000): Promise<ServerFrame[]> {
    this.send({ type: 'chat', ...frame });
    return this.untilTerminal(frame.id, timeoutMs);
  }

  closed(timeoutMs = 10_000): Promise<SocketClosed> {
    return this.waitFor(() => this.closedWith, timeoutMs, 'the socket to close');
  }

  close(code?: number, reason?: string): void {
    this.raw.close(code, reason);
  }

  terminate(): void {
    this.raw.terminate();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
