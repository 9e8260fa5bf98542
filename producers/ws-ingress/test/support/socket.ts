// A WebSocket test client that queues what the server sends, to take frames one by one with a timeout.
import { WebSocket } from 'ws';

export interface ServerFrame {
  type: string;
  id?: string;
  [field: string]: unknown;
}

export const openSocket = async (url: string, headers: Record<string, string> = {}) => {
  const socket = new WebSocket(url, { headers });
  const frames: ServerFrame[] = [];
  const waiters: (() => void)[] = [];
  let closed: { code: number; reason: string } | undefined;
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  socket.on('message', (data: Buffer) => {
    frames.push(JSON.parse(data.toString('utf8')) as ServerFrame);
    wake();
  });
  socket.on('close', (code, reason) => {
    closed = { code, reason: reason.toString('utf8') };
    wake();
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });

  const until = async <T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; frames so far: ${JSON.stringify(frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };

  return {
    socket,
    frames,
    send: (frame: unknown): void => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    /** The next frame not yet taken that matches, removing it from the queue. */
    next: (match: (frame: ServerFrame) => boolean = () => true, timeoutMs = 10_000): Promise<ServerFrame> =>
      until(() => {
        const index = frames.findIndex(match);
        return index < 0 ? undefined : frames.splice(index, 1)[0];
      }, timeoutMs, 'a matching frame'),
    closed: (timeoutMs = 10_000): Promise<{ code: number; reason: string }> => until(() => closed, timeoutMs, 'the socket to close'),
    close: (): void => socket.terminate(),
  };
};

export type TestSocket = Awaited<ReturnType<typeof openSocket>>;
