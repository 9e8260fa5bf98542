// Usage accounting (migrations/0007_usage.sql): the aggregator's write and GET /v1/usage's read.
import type { Pool } from './pool.js';
import { withTenant } from './tenant-scope.js';

export interface UsageRecord {
  tenantId: string;
  requestId: string;
  attemptId: string;
  apiKeyId: string;
  requestedModel: string;
  model: string;
  provider: string;
  servedBy: readonly string[];
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  latencyMs: number;
  /** `done`, `cancelled`, `error`, `timeout`, `budget_exceeded`. */
  outcome: string;
  errorCode: string | null;
  /** When the attempt ended, ms since the epoch; its UTC date is the day it counts on. */
  occurredAt: number;
}

// One statement: the record, and only when it is new, its addition to the day's totals.
const RECORD_USAGE = `
  WITH inserted AS (
    INSERT INTO usage_records (tenant_id, request_id, attempt_id, api_key_id, requested_model, model, provider, served_by,
                               input_tokens, output_tokens, cost_usd, latency_ms, outcome, error_code, occurred_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, to_timestamp($15::double precision / 1000))
    ON CONFLICT (tenant_id, request_id, attempt_id) DO NOTHING
    RETURNING tenant_id, occurred_at, COALESCE(NULLIF(model, ''), requested_model) AS model, outcome, input_tokens, output_tokens, cost_usd
  )
  INSERT INTO usage_daily AS daily (tenant_id, day, model, requests, failed, input_tokens, output_tokens, cost_usd, unpriced)
  SELECT tenant_id, (occurred_at AT TIME ZONE 'UTC')::date, model, 1, CASE WHEN outcome = 'done' THEN 0 ELSE 1 END,
         input_tokens, output_tokens, COALESCE(cost_usd, 0), CASE WHEN cost_usd IS NULL AND input_tokens + output_tokens > 0 THEN 1 ELSE 0 END
  FROM inserted
  ON CONFLICT (tenant_id, day, model) DO UPDATE SET
    requests = daily.requests + EXCLUDED.requests, failed = daily.failed + EXCLUDED.failed,
    input_tokens = daily.input_tokens + EXCLUDED.input_tokens, output_tokens = daily.output_tokens + EXCLUDED.output_tokens,
    cost_usd = daily.cost_usd + EXCLUDED.cost_usd, unpriced = daily.unpriced + EXCLUDED.unpriced
  RETURNING 1`;

/** Stores one attempt's usage and adds it to its day's totals; true when new, false for a redelivery (nothing added). */
export const recordUsage = (pool: Pool, record: UsageRecord): Promise<boolean> =>
  withTenant(pool, record.tenantId, async (client) => {
    const result = await client.query(RECORD_USAGE, [
      record.tenantId, record.requestId, record.attemptId, record.apiKeyId, record.requestedModel, record.model, record.provider,
      [...record.servedBy], record.inputTokens, record.outputTokens, record.costUsd, record.latencyMs, record.outcome, record.errorCode,
      record.occurredAt,
    ]);
    return (result.rowCount ?? 0) > 0;
  });

export interface UsageDay {
  /** UTC date, YYYY-MM-DD. */
  day: string;
  model: string;
  requests: number;
  /** Requests that did not end `done` (cancelled, failed, timed out, refused for budget). */
  failed: number;
  inputTokens: number;
  outputTokens: number;
  /** Sum over priced requests. */
  costUsd: number;
  /** Requests that used tokens on a deployment without a price. */
  unpriced: number;
}

const USAGE_BY_DAY = `
  SELECT to_char(day, 'YYYY-MM-DD') AS day, model, requests, failed, input_tokens, output_tokens, cost_usd, unpriced
  FROM usage_daily
  WHERE tenant_id = $1 AND day BETWEEN $2::date AND $3::date
  ORDER BY day, model`;

/** The tenant's totals per UTC day and model, `from` and `to` (YYYY-MM-DD) included. */
export const usageByDay = (pool: Pool, { tenantId, from, to }: { tenantId: string; from: string; to: string }): Promise<UsageDay[]> =>
  withTenant(pool, tenantId, async (client) => {
    const result = await client.query<{ day: string; model: string; requests: string; failed: string; input_tokens: string; output_tokens: string; cost_usd: number; unpriced: string }>(
      USAGE_BY_DAY, [tenantId, from, to]);
    return result.rows.map((row) => ({
      day: row.day, model: row.model, requests: Number(row.requests), failed: Number(row.failed), inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens), costUsd: row.cost_usd, unpriced: Number(row.unpriced),
    }));
  });
