// Frames out of one WebSocket session: only the contract's ServerFrames, never more unsent bytes
// than the socket may hold, errors in their wire shape, and the status pushes' target.
import { WebSocket } from 'ws';
import { CLOSE_CODES, type ServerFrame } from '@rivulet/protocol';
import type { Logger } from '@rivulet/observability';
import { errorBody, toIngressError } from '../errors.js';
import type { IngressMetrics } from '../metrics.js';
import type { StatusTarget } from '../status/status-router.js';

export interface SessionOutput {
  /** Sends one frame; a socket that is not reading its frames is closed (1013) instead. Never throws. */
  send: (frame: ServerFrame) => void;
  /** Sends `error` for a frame (under its id when it has one); an unexpected error is logged and becomes `internal`. */
  sendError: (frameId: string | undefined, error: unknown, requestId: string) => void;
  /** Where this session's document statuses go, counted as sent or dropped. */
  statusTarget: StatusTarget;
}

export interface SessionOutputOptions {
  /** A socket with more unsent bytes than this is closed rather than buffered further. */
  maxBufferedBytes: number;
  log: Logger;
  ingressMetrics: IngressMetrics;
}

export const createSessionOutput = (socket: WebSocket, { maxBufferedBytes, log, ingressMetrics }: SessionOutputOptions): SessionOutput => {
  const send = (frame: ServerFrame): void => {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > maxBufferedBytes) {
      log.warn({ bufferedAmount: socket.bufferedAmount }, 'client is not reading its frames; closing');
      socket.close(CLOSE_CODES.slowConsumer, 'too much unsent data: read your frames');
      return;
    }
    socket.send(JSON.stringify(frame), (error) => {
      if (error) log.debug({ error: error.message }, 'frame not sent');
    });
  };
  const sendError = (frameId: string | undefined, error: unknown, requestId: string): void => {
    const ingressError = toIngressError(error, requestId);
    if (ingressError.code === 'internal') log.error({ requestId, error }, 'frame failed');
    send({ type: 'error', ...(frameId === undefined ? {} : { id: frameId }), ...errorBody(ingressError) });
  };
  const statusTarget: StatusTarget = {
    send: (frame) => {
      const before = socket.readyState;
      send(frame);
      ingressMetrics.statusPushes.inc({ outcome: before === WebSocket.OPEN && socket.readyState === WebSocket.OPEN ? 'sent' : 'dropped' });
    },
  };
  return { send, sendError, statusTarget };
};
