// context-retrieved in; reply-delta (streamed while the model generates) and reply-end out.
import { randomUUID } from 'node:crypto';
import { envelopeFrom, type Handler, type HandlerContext } from '@rivulet/kafka';
import { isAbortError, ProviderError, type ChatMessage, type ChatModel } from '@rivulet/llm';
import { assistantMessageId } from '@rivulet/store';
import { TOPICS, type ContextRetrieved, type EventRecords, type ReplyEnd, type Source } from '@rivulet/schemas';
import type { DeltaPublisher } from './delta-publisher.js';
import { buildPrompt } from './prompt.js';

/** Chooses the model for a request (`auto` or a name). The model router of the gateway issue replaces it. */
export interface ModelResolver {
  resolve(requested: string): ChatModel;
}

/** Earlier turns of a conversation, oldest first, excluding the request being answered. */
export interface HistorySource {
  load(request: { tenantId: string; conversationId: string; requestId: string; acceptedAt: number }): Promise<ChatMessage[]>;
}

export interface CancellationWatch {
  readonly signal: AbortSignal;
  release(): void;
}

/** Cancellations from the ingress (PROTOCOL.md `cancel`). */
export interface CancellationSource {
  /** Resolves once it has checked for a cancellation that came before the watch began. */
  watch(requestId: string): Promise<CancellationWatch>;
}

/** Marks generation attempts, so a regeneration after a crash is announced to the client. */
export interface AttemptRegistry {
  /** True when no earlier attempt at this request is known. */
  begin(requestId: string, attemptId: string): Promise<boolean>;
}

export interface GenerationDependencies {
  models: ModelResolver;
  history: HistorySource;
  cancellation: CancellationSource;
  attempts: AttemptRegistry;
  deltas: DeltaPublisher;
  /** Tokens kept for the answer when the request names no limit. */
  defaultMaxOutputTokens: number;
  /** The most of the prompt that earlier turns may take. */
  historyTokenBudget: number;
  now?: () => number;
}

type ReplyEndPayload = ReplyEnd['payload'];

const asSource = (chunk: { documentId: string; chunkId: string; title: string | null; score: number; snippet: string }, index: number): Source => ({
  n: index + 1, documentId: chunk.documentId, chunkId: chunk.chunkId, title: chunk.title, score: chunk.score, snippet: chunk.snippet,
});

const errorDetail = (error: unknown): NonNullable<ReplyEndPayload['error']> => {
  if (error instanceof ProviderError) {
    return { code: error.code === 'invalid_request' ? 'invalid_request' : error.code === 'timeout' ? 'timeout' : 'provider_unavailable',
      message: `${error.provider}: ${error.message}`, retryable: error.retryable, retryAfterMs: error.retryAfterMs ?? null };
  }
  return { code: 'internal', message: 'generation failed; the worker log has the details under the request id', retryable: true, retryAfterMs: null };
};

export const createGenerationHandler = (dependencies: GenerationDependencies): Handler<EventRecords, 'context-retrieved', 'reply-end'> => {
  const { models, history, cancellation, attempts, deltas, defaultMaxOutputTokens, historyTokenBudget, now = Date.now } = dependencies;

  return async (event: ContextRetrieved, context: HandlerContext<'context-retrieved'>) => {
    const { request, chunks } = event.payload;
    if (request.kind !== 'chat') return [];
    // The ingress has already answered `timeout`: spend nothing on it.
    if (now() >= request.deadlineAt) return [];

    const attemptId = randomUUID();
    const accepted = acceptedAt(request, event.occurredAt);
    // Independent round trips, at once: the attempt marker, the cancel check, the history.
    const watching = cancellation.watch(request.requestId);
    let firstAttempt: boolean;
    let turns: ChatMessage[];
    try {
      [firstAttempt, turns] = await Promise.all([
        attempts.begin(request.requestId, attemptId),
        request.history.length > 0
          ? Promise.resolve(request.history.map(({ role, content: text }) => ({ role: role as ChatMessage['role'], content: text })))
          : history.load({ tenantId: event.tenantId, conversationId: request.conversationId, requestId: request.requestId, acceptedAt: accepted }),
      ]);
    } catch (error) {
      await watching.then((watch) => watch.release(), () => undefined);
      throw error;
    }
    const watch = await watching;
    const deadline = AbortSignal.timeout(Math.max(1, request.deadlineAt - now()));
    const signal = AbortSignal.any([watch.signal, deadline, context.signal]);
    const model = models.resolve(request.model);
    const maxOutputTokens = Math.min(request.maxOutputTokens ?? defaultMaxOutputTokens, Math.floor(model.contextTokens / 2));
    const stream = deltas.open({
      tenantId: event.tenantId, correlationId: event.correlationId, requestId: request.requestId, attemptId,
      partition: request.replyRoute.partition, reset: !firstAttempt,
    });

    let content = '';
    const end = (fields: Partial<ReplyEndPayload> & Pick<ReplyEndPayload, 'status'>, sources: Source[]) => [{
      topic: TOPICS.replies, type: 'reply-end' as const, key: request.requestId, partition: request.replyRoute.partition,
      value: {
        ...envelopeFrom(event),
        payload: {
          requestId: request.requestId, kind: 'chat', attemptId, conversationId: request.conversationId,
          messageId: assistantMessageId(request.requestId), content, finishReason: null, model: model.model, provider: model.provider,
          usage: { inputTokens: 0, outputTokens: 0 }, latencyMs: Math.max(0, now() - accepted), costUsd: null, error: null, sources,
          ...fields,
        } satisfies ReplyEndPayload,
      },
    }];

    try {
      const prompt = buildPrompt({
        question: request.message, chunks, rag: request.rag, history: turns, countTokens: (text) => model.countTokens(text),
        promptTokenBudget: model.contextTokens - maxOutputTokens, historyTokenBudget,
      });
      const sources = prompt.chunks.map(asSource);
      stream.start(sources);
      try {
        for await (const chunk of model.stream({
          messages: prompt.messages, maxOutputTokens, signal,
          ...(request.temperature === null ? {} : { temperature: request.temperature }),
        })) {
          if (chunk.type === 'delta') {
            content += chunk.text;
            stream.append(chunk.text);
          } else {
            await stream.flush();
            return end({ status: 'done', finishReason: chunk.finishReason, usage: chunk.usage }, sources);
          }
        }
        throw new ProviderError({ provider: model.provider, code: 'provider_unavailable', message: 'the stream ended without finishing', retryable: true });
      } catch (error) {
        // Shutdown of this worker: leave the event uncommitted so another instance regenerates.
        if (context.signal.aborted) throw error;
        await stream.flush();
        if (watch.signal.aborted) {
          return end({ status: 'error', finishReason: 'cancelled',
            error: { code: 'cancelled', message: 'the client cancelled the request', retryable: false, retryAfterMs: null } }, sources);
        }
        if (deadline.aborted || (isAbortError(error) && !watch.signal.aborted)) {
          return end({ status: 'error', finishReason: 'error',
            error: { code: 'timeout', message: 'the answer did not finish before the request deadline; ask again', retryable: true, retryAfterMs: null } }, sources);
        }
        if (error instanceof ProviderError) {
          return end({ status: 'error', finishReason: 'error', error: errorDetail(error) }, sources);
        }
        throw error;
      }
    } finally {
      watch.release();
    }
  };
};

/** When the ingress accepted the request; events from before the field existed fall back to the cause's time. */
const acceptedAt = (request: { acceptedAt: number | null }, fallback: number): number => request.acceptedAt ?? fallback;
