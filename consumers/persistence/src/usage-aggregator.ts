// usage-recorded -> usage_records and usage_daily (GET /v1/usage reads them). Idempotent per
// request and attempt, so a redelivery or a replay of the usage topic never counts twice.
import type { Handler } from '@rivulet/kafka';
import type { EventRecords } from '@rivulet/schemas';
import type { UsageRecord } from '@rivulet/store';

/** The aggregator's port to PostgreSQL: true when the record was new. */
export interface UsageSink {
  record(usage: UsageRecord): Promise<boolean>;
}

export const createUsageAggregator = ({ sink }: { sink: UsageSink }): Handler<EventRecords, 'usage-recorded', never> =>
  async (event) => {
    const usage = event.payload;
    await sink.record({
      tenantId: event.tenantId, requestId: usage.requestId, attemptId: usage.attemptId, apiKeyId: usage.apiKeyId,
      requestedModel: usage.requestedModel, model: usage.model, provider: usage.provider, servedBy: usage.servedBy,
      inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: usage.costUsd, latencyMs: usage.latencyMs,
      outcome: usage.outcome, errorCode: usage.errorCode, occurredAt: event.occurredAt,
    });
    return [];
  };
