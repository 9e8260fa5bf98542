// The events that end a generation attempt: reply-end to the request's replies partition, and
// usage-recorded (what the attempt used and cost, whatever its outcome) keyed by tenant.
import { envelopeFrom } from '@rivulet/kafka';
import { assistantMessageId } from '@rivulet/store';
import { TOPICS, type ContextRetrieved, type ReplyEnd, type Source } from '@rivulet/schemas';

type ReplyEndPayload = ReplyEnd['payload'];

/** How an attempt ended; fields not given take the "nothing was generated" value. */
export type Ending = Partial<Pick<ReplyEndPayload, 'content' | 'finishReason' | 'model' | 'provider' | 'usage' | 'servedBy' | 'costUsd' | 'error'>> &
  Pick<ReplyEndPayload, 'status'> & {
    /** The router model asked for, after `auto` was resolved when it could be. */
    requestedModel: string;
  };

const outcomeOf = (ending: Ending): string =>
  ending.status === 'done' ? 'done' : ending.error?.code === 'cancelled' || ending.error?.code === 'timeout' || ending.error?.code === 'budget_exceeded' ? ending.error.code : 'error';

export const createReplyOutputs = ({ event, attemptId, now }: { event: ContextRetrieved; attemptId: string; now: () => number }) => {
  const { request } = event.payload;
  /** When the ingress accepted the request; events from before the field existed fall back to the cause's time. */
  const acceptedAt = request.acceptedAt ?? event.occurredAt;

  const end = (ending: Ending, sources: Source[]) => {
    const latencyMs = Math.max(0, now() - acceptedAt);
    const usage = ending.usage ?? { inputTokens: 0, outputTokens: 0 };
    const payload: ReplyEndPayload = {
      requestId: request.requestId, kind: 'chat', attemptId, conversationId: request.conversationId,
      messageId: assistantMessageId(request.requestId), status: ending.status, content: ending.content ?? '',
      finishReason: ending.finishReason ?? null, model: ending.model ?? '', provider: ending.provider ?? '', usage,
      servedBy: [...(ending.servedBy ?? [])], latencyMs, costUsd: ending.costUsd ?? null, error: ending.error ?? null, sources,
    };
    return [
      {
        topic: TOPICS.replies, type: 'reply-end' as const, key: request.requestId, partition: request.replyRoute.partition,
        value: { ...envelopeFrom(event), payload },
      },
      {
        topic: TOPICS.usage, type: 'usage-recorded' as const, key: event.tenantId,
        value: {
          ...envelopeFrom(event),
          payload: {
            requestId: request.requestId, attemptId, apiKeyId: request.apiKeyId, requestedModel: ending.requestedModel,
            model: payload.model, provider: payload.provider, servedBy: payload.servedBy,
            inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: payload.costUsd, latencyMs,
            outcome: outcomeOf(ending), errorCode: payload.error?.code ?? null,
          },
        },
      },
    ];
  };

  return { acceptedAt, end };
};
