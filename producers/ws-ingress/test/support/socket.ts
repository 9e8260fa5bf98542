// The ingress tests' WebSocket client: the protocol's RivuletSocket, with frames taken one by one
// with a timeout. Tests send frames outside the contract on purpose, so `send` takes any value.
import { RivuletSocket, type ServerFrame as ContractFrame } from '@rivulet/protocol';

/** A frame from the server as tests read it: the contract's frame, any field readable. */
export type ServerFrame = ContractFrame & { [field: string]: unknown };

export const openSocket = async (url: string, headers: Record<string, string> = {}) => {
  const client = await RivuletSocket.open({ url, headers });
  return {
    socket: client.raw,
    /** Frames received and not yet taken by `next`. */
    frames: client.pending as ServerFrame[],
    /** A string is sent as it is (tests of malformed frames), anything else as JSON. */
    send: (frame: unknown): void => client.sendText(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    /** The next frame not yet taken that matches, removing it from the queue. */
    next: (match: (frame: ServerFrame) => boolean = () => true, timeoutMs = 10_000): Promise<ServerFrame> =>
      client.next((frame) => match(frame as ServerFrame), timeoutMs) as Promise<ServerFrame>,
    closed: (timeoutMs = 10_000) => client.closed(timeoutMs),
    close: (): void => client.terminate(),
  };
};

export type TestSocket = Awaited<ReturnType<typeof openSocket>>;
