-- Up Migration
-- Usage accounting (the gateway issue): what every generation attempt used and cost, written by
-- the usage aggregator from the rivulet.usage topic (consumers/persistence, usage-aggregator.ts)
-- and read by GET /v1/usage. Named queries: packages/store/src/usage.ts.

-- One row per generation attempt: the audit record, and the idempotency key of the aggregate
-- (a redelivered usage-recorded event finds its row and adds nothing).
CREATE TABLE usage_records (
  tenant_id        text             NOT NULL,
  request_id       text             NOT NULL,
  attempt_id       text             NOT NULL,
  api_key_id       text             NOT NULL,
  requested_model  text             NOT NULL,
  model            text             NOT NULL,
  provider         text             NOT NULL,
  served_by        text[]           NOT NULL DEFAULT '{}',
  input_tokens     integer          NOT NULL CHECK (input_tokens >= 0),
  output_tokens    integer          NOT NULL CHECK (output_tokens >= 0),
  cost_usd         double precision CHECK (cost_usd >= 0),
  latency_ms       bigint           NOT NULL,
  outcome          text             NOT NULL,
  error_code       text,
  occurred_at      timestamptz      NOT NULL,
  PRIMARY KEY (tenant_id, request_id, attempt_id)
);
CREATE INDEX usage_records_tenant_time ON usage_records (tenant_id, occurred_at);

-- The totals GET /v1/usage answers with: per tenant, UTC day and model (the served model, or the
-- requested one when none served). `cost_usd` sums only priced attempts; `unpriced` counts the rest.
CREATE TABLE usage_daily (
  tenant_id      text             NOT NULL,
  day            date             NOT NULL,
  model          text             NOT NULL,
  requests       bigint           NOT NULL DEFAULT 0,
  failed         bigint           NOT NULL DEFAULT 0,
  input_tokens   bigint           NOT NULL DEFAULT 0,
  output_tokens  bigint           NOT NULL DEFAULT 0,
  cost_usd       double precision NOT NULL DEFAULT 0,
  unpriced       bigint           NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, day, model)
);
