// The chat frames of one WebSocket session (`chat`, `cancel`): the chats in flight on the socket,
// their one terminal frame each, and cancels that arrive before their chat was accepted.
import type { ParsedFrame, ServerFrame } from '@rivulet/protocol';
import type { Logger } from '@rivulet/observability';
import type { ApiKeyPrincipal } from '../auth.js';
import { chatFrameSubmission } from '../chat/chat-input.js';
import type { ChatService } from '../chat/chat-service.js';
import type { ReplyListener } from '../chat/reply-router.js';
import { asFrameError, FrameError, frameIdOf, withFrameId } from './frames.js';

/** How many ended chat ids a socket remembers, to ignore late cancels of them. */
const MAX_REMEMBERED_CHATS = 1000;

export interface ChatFramesOptions {
  chat: ChatService;
  send: (frame: ServerFrame) => void;
  log: Logger;
}

export interface ChatFrames {
  /**
   * Takes a chat id for this socket before anything is awaited (rate limit, submit), so a duplicate
   * is refused whatever else would fail, and a cancel right behind the chat finds it.
   */
  claim(frame: ParsedFrame): string;
  /** Gives a claimed id back when its chat was refused before it was submitted (rate limit). */
  releaseUnsubmitted(frameId: string): void;
  start(who: ApiKeyPrincipal, frame: ParsedFrame, frameId: string): Promise<void>;
  cancel(frame: ParsedFrame): Promise<void>;
  /** The socket closed: its answers still complete and are stored; nobody is here to read them. */
  abandonAll(): void;
}

/** The frames of one answer, in the contract's order, ending with its one terminal frame. */
const replyListener = (frameId: string, send: (frame: ServerFrame) => void, finish: () => void): ReplyListener => {
  let seq = 0;
  return {
    sources: (sources) => send({ type: 'sources', id: frameId, sources }),
    delta: (content) => send({ type: 'delta', id: frameId, seq: seq++, content }),
    failover: (marker) => send({ type: 'failover', id: frameId, ...marker }),
    reset: () => send({ type: 'reset', id: frameId, reason: 'A worker failed while answering; the answer is being generated again. Discard the text received so far.' }),
    done: (payload) => {
      finish();
      send({
        type: 'done', id: frameId, conversationId: payload.conversationId, messageId: payload.messageId, content: payload.content,
        model: payload.model, provider: payload.provider, servedBy: payload.servedBy, usage: payload.usage, latencyMs: payload.latencyMs,
        ...(payload.costUsd === null ? {} : { costUsd: payload.costUsd }), finishReason: payload.finishReason,
      });
    },
    error: (error) => {
      finish();
      send({ type: 'error', id: frameId, ...error });
    },
  };
};

export const createChatFrames = ({ chat, send, log }: ChatFramesOptions): ChatFrames => {
  // Chats in flight on this socket: client frame id -> server request id ('' until accepted).
  const chats = new Map<string, string>();
  // Ids of chats that already ended (the most recent ones): a late cancel of one is ignored, so a
  // chat id never gets a second terminal frame.
  const ended = new Set<string>();
  // Cancels that came while their chat was still being admitted or submitted: applied once it is accepted.
  const pendingCancels = new Set<string>();

  const claim = (frame: ParsedFrame): string => {
    const frameId = frameIdOf(frame);
    // No id on this error: an error with the id would be a second terminal frame for the chat still answering.
    if (chats.has(frameId)) throw new FrameError(undefined, `A chat with id ${JSON.stringify(frameId)} is still answering on this socket; use a new id for each chat.`);
    chats.set(frameId, '');
    ended.delete(frameId);
    return frameId;
  };
  const release = (frameId: string): void => {
    chats.delete(frameId);
    pendingCancels.delete(frameId);
  };
  const finish = (frameId: string): void => {
    release(frameId);
    ended.add(frameId);
    if (ended.size > MAX_REMEMBERED_CHATS) ended.delete(ended.values().next().value!);
  };

  const applyPendingCancel = (frameId: string, requestId: string): void => {
    if (!pendingCancels.delete(frameId)) return;
    // The answer ends with its `cancelled` error, the chat's one terminal frame.
    void chat.cancel(requestId).catch((error: unknown) => log.warn({ error, requestId }, 'a cancel sent before its chat was accepted could not be delivered'));
  };

  const start = async (who: ApiKeyPrincipal, frame: ParsedFrame, frameId: string): Promise<void> => {
    const submission = withFrameId(frameId, () => chatFrameSubmission(frame.body, frameId));
    let accepted;
    try {
      accepted = await chat.submit(who, submission, replyListener(frameId, send, () => finish(frameId)));
    } catch (error) {
      release(frameId);
      throw error instanceof FrameError ? error : asFrameError(frameId, error);
    }
    if (chats.has(frameId)) chats.set(frameId, accepted.requestId);
    send({ type: 'ack', id: frameId, requestId: accepted.requestId, conversationId: accepted.conversationId });
    accepted.open();
    applyPendingCancel(frameId, accepted.requestId);
  };

  const cancel = async (frame: ParsedFrame): Promise<void> => {
    const frameId = frameIdOf(frame);
    if (ended.has(frameId)) return;
    const requestId = chats.get(frameId);
    if (requestId === '') {
      pendingCancels.add(frameId);
      return;
    }
    if (requestId === undefined || !(await chat.cancel(requestId))) {
      throw new FrameError(frameId, `No chat with id "${frameId}" is answering on this socket; nothing to cancel.`);
    }
  };

  return {
    claim,
    releaseUnsubmitted: (frameId) => {
      if (chats.get(frameId) === '') release(frameId);
    },
    start,
    cancel,
    abandonAll: () => {
      for (const requestId of chats.values()) if (requestId !== '') chat.abandon(requestId);
    },
  };
};
