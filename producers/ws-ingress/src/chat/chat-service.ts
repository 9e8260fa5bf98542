// Accepting a chat or search request: check the conversation, publish chat-request-received with
// this instance's reply route, and route the answer back to the caller's listener.
import { randomUUID } from 'node:crypto';
import { HEADERS, type EventProducer } from '@rivulet/kafka';
import type { Tracer } from '@rivulet/observability';
import { TOPICS, type ChatRequestReceived, type EventRecords } from '@rivulet/schemas';
import type { ApiKeyPrincipal } from '../auth.js';
import { IngressError, type ErrorBody } from '../errors.js';
import { startRequestTrace, type RequestTrace } from '../request-trace.js';
import type { ChatSubmission } from './chat-input.js';
import type { ReplyListener, ReplyRouter } from './reply-router.js';

/** The conversations the ingress checks and creates (a new conversation is stored while its first turn is published, before the `ack`). */
export interface ConversationPort {
  exists(tenantId: string, conversationId: string): Promise<boolean>;
  create(conversation: { tenantId: string; conversationId: string; userId: string | null; model: string; title: string }): Promise<void>;
}

export interface ChatPublisher {
  /** `traceparent`: the request's root span, for the event's header (request-trace.ts). */
  publish(event: ChatRequestReceived, traceparent?: string): Promise<void>;
}

/** Tells generation workers to stop (Redis; see CHAT_CANCEL_CHANNEL). */
export interface CancelSignal {
  cancel(requestId: string): Promise<void>;
}

export interface ChatServiceOptions {
  router: ReplyRouter;
  conversations: ConversationPort;
  publisher: ChatPublisher;
  cancelSignal: CancelSignal;
  /** Where this instance reads replies. */
  route: { ingressInstanceId: string; partition: number };
  /** CHAT_REQUEST_TIMEOUT: after it the caller gets `timeout` and workers drop the request. */
  requestTimeoutMs: number;
  /** Told when a request starts, when its first text arrives and how it ends (metrics). */
  observer?: ChatObserver;
  /** A cancel could not reach the workers (Redis down): the client is answered anyway; the answer completes. */
  onCancelSignalFailed?: (requestId: string, error: unknown) => void;
  /** Starts each request's root span (Service.tracer); absent when tracing is off. */
  tracer?: Tracer | undefined;
  now?: () => number;
}

export interface ChatObserver {
  started(kind: string): void;
  firstDelta(kind: string, seconds: number): void;
  ended(kind: string, outcome: string, seconds: number): void;
}

const silentObserver: ChatObserver = { started: () => undefined, firstDelta: () => undefined, ended: () => undefined };

export interface AcceptedChat {
  requestId: string;
  conversationId: string;
  /** Replies are held until the caller has answered the request (the `ack` frame goes first). */
  open(): void;
}

export interface ChatService {
  submit(principal: ApiKeyPrincipal, submission: ChatSubmission, listener: ReplyListener): Promise<AcceptedChat>;
  /** Ends the request with `cancelled` and stops its generation; false when it is not in flight here. */
  cancel(requestId: string): Promise<boolean>;
  /** Stops routing replies to a caller that went away; generation and persistence still complete. */
  abandon(requestId: string): void;
}

export const kafkaChatPublisher = (producer: EventProducer<EventRecords>): ChatPublisher => ({
  publish: (event, traceparent) => producer.send([{
    topic: TOPICS.chatRequests, type: 'chat-request-received', key: event.payload.request.conversationId, value: event,
    ...(traceparent === undefined ? {} : { headers: { [HEADERS.traceparent]: traceparent } }),
  }]),
});

const TITLE_CHARS = 80;
const titleFrom = (message: string): string => {
  const line = message.trim().replaceAll(/\s+/g, ' ');
  return line.length <= TITLE_CHARS ? line : `${line.slice(0, TITLE_CHARS - 1)}…`;
};

/** Reports a request's first text and its end to the observer. */
const observed = (listener: ReplyListener, observer: ChatObserver, kind: string, acceptedAt: number, now: () => number): ReplyListener => {
  let sawText = false;
  const seconds = (): number => (now() - acceptedAt) / 1000;
  return {
    ...listener,
    delta: (content) => {
      if (!sawText) observer.firstDelta(kind, seconds());
      sawText = true;
      listener.delta(content);
    },
    done: (payload) => {
      observer.ended(kind, 'done', seconds());
      listener.done(payload);
    },
    error: (error) => {
      observer.ended(kind, error.code, seconds());
      listener.error(error);
    },
  };
};

/** Queues a listener's calls until `open()`, so nothing overtakes the caller's acknowledgement. */
const gate = (listener: ReplyListener, onTerminal: (error?: ErrorBody) => void): { listener: ReplyListener; open(): void } => {
  let held: (() => void)[] | undefined = [];
  const call = (run: () => void): void => (held ? void held.push(run) : run());
  return {
    listener: {
      sources: (sources) => call(() => listener.sources(sources)),
      delta: (content) => call(() => listener.delta(content)),
      reset: () => call(() => listener.reset()),
      failover: (marker) => call(() => listener.failover(marker)),
      done: (payload) => {
        onTerminal();
        call(() => listener.done(payload));
      },
      error: (error) => {
        onTerminal(error);
        call(() => listener.error(error));
      },
    },
    open: () => {
      const queued = held ?? [];
      held = undefined;
      for (const run of queued) run();
    },
  };
};

export const createChatService = ({
  router, conversations, publisher, cancelSignal, route, requestTimeoutMs, observer = silentObserver, onCancelSignalFailed = () => undefined, tracer, now = Date.now,
}: ChatServiceOptions): ChatService => {
  const timers = new Map<string, NodeJS.Timeout>();
  const started = new Map<string, { kind: string; at: number; trace: RequestTrace }>();
  const clear = (requestId: string): void => {
    clearTimeout(timers.get(requestId));
    timers.delete(requestId);
    started.delete(requestId);
  };

  return {
    submit: async (principal, submission, listener) => {
      const requestId = randomUUID();
      // The root span lasts until the request's terminal reply (or its refusal here).
      const trace = startRequestTrace(tracer, { kind: submission.kind, requestId, tenantId: principal.tenantId });
      let conversationId: string;
      let creating: Promise<void> | undefined;
      if (submission.kind === 'search') {
        conversationId = requestId;
      } else if (submission.conversationId !== undefined) {
        conversationId = submission.conversationId;
        const exists = await conversations.exists(principal.tenantId, conversationId).catch((error: unknown) => {
          trace.end('internal', 'conversation lookup failed');
          throw error;
        });
        if (!exists) {
          trace.end('not_found');
          throw new IngressError('not_found', `No conversation "${conversationId}" for this API key's tenant; omit conversationId to start a new one.`);
        }
      } else {
        conversationId = randomUUID();
        // Written while the request is published, not before: the row must exist before the `ack`
        // names the conversation (a next turn checks it), and the pipeline does not need it (the
        // persistence worker creates a missing row itself).
        creating = conversations.create({ tenantId: principal.tenantId, conversationId, userId: submission.userId, model: submission.model, title: titleFrom(submission.message) });
      }

      const acceptedAt = now();
      const gated = gate(observed(listener, observer, submission.kind, acceptedAt, now), (error) => {
        clear(requestId);
        trace.end(error?.code ?? 'done', error?.message);
      });
      router.register(requestId, gated.listener);
      timers.set(requestId, setTimeout(() => {
        router.fail(requestId, { code: 'timeout', message: `No answer within ${requestTimeoutMs} ms; the pipeline may be overloaded or a worker down. Try again.`, retryable: true });
      }, requestTimeoutMs));
      const event: ChatRequestReceived = {
        eventId: randomUUID(), tenantId: principal.tenantId, correlationId: requestId, occurredAt: acceptedAt,
        payload: {
          request: {
            requestId, clientRequestId: submission.clientRequestId, conversationId, userId: submission.userId, apiKeyId: principal.keyId,
            message: submission.message, history: submission.history, model: submission.model, temperature: submission.temperature,
            maxOutputTokens: submission.maxOutputTokens, rag: submission.rag, collection: submission.collection, topK: submission.topK,
            filters: submission.filters, replyRoute: route, kind: submission.kind, acceptedAt, deadlineAt: acceptedAt + requestTimeoutMs,
            newConversation: submission.kind === 'chat' && submission.conversationId === undefined,
          },
        },
      };
      observer.started(submission.kind);
      started.set(requestId, { kind: submission.kind, at: acceptedAt, trace });
      const [published, created] = await Promise.allSettled([publisher.publish(event, trace.traceparent), creating]);
      if (published.status === 'rejected') {
        clear(requestId);
        router.forget(requestId);
        trace.end('not_published', 'Kafka did not acknowledge the request');
        observer.ended(submission.kind, 'not_published', (now() - acceptedAt) / 1000);
        throw new IngressError('internal', 'The request could not be queued (Kafka did not acknowledge it); nothing was started. Try again.', { retriable: true, httpStatus: 503, cause: published.reason });
      }
      if (created.status === 'rejected') {
        // Published but its conversation not stored: stop the answer rather than name a conversation a next turn would not find.
        clear(requestId);
        router.forget(requestId);
        trace.end('conversation_not_stored', 'the database did not store the new conversation');
        observer.ended(submission.kind, 'not_published', (now() - acceptedAt) / 1000);
        await cancelSignal.cancel(requestId).catch((error: unknown) => onCancelSignalFailed(requestId, error));
        throw new IngressError('internal', 'The conversation could not be stored (the database did not answer); the request was stopped. Try again.', { retriable: true, httpStatus: 503, cause: created.reason });
      }
      return { requestId, conversationId, open: () => gated.open() };
    },

    cancel: async (requestId) => {
      if (!router.isWaiting(requestId)) return false;
      const cancelled: ErrorBody = { code: 'cancelled', message: 'Cancelled at your request.', retryable: false };
      router.fail(requestId, cancelled);
      // The request has had its one terminal event; a failure here must not give it a second.
      await cancelSignal.cancel(requestId).catch((error: unknown) => onCancelSignalFailed(requestId, error));
      return true;
    },

    abandon: (requestId) => {
      const request = started.get(requestId);
      if (request && router.isWaiting(requestId)) observer.ended(request.kind, 'abandoned', (now() - request.at) / 1000);
      request?.trace.end('abandoned');
      clear(requestId);
      router.forget(requestId);
    },
  };
};
