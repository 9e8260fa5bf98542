-- Up Migration
-- Token budgets per tenant (the gateway issue, third step). Named queries:
-- packages/store/src/token-budgets.ts. Written by `rivulet budgets set/remove`; read by the
-- generation worker (loadBudgetRules, cached a few seconds), which counts spending in Redis
-- (reserve before the model is called, settle with the provider's usage after). PostgreSQL holds
-- the rules only, never the running totals.

-- A tenant's tier, for the model router (`auto`) and later for default budgets.
ALTER TABLE tenants ADD COLUMN tier text NOT NULL DEFAULT 'standard';

-- At most `tokens` (prompt + output) per UTC `period` (a day, or a calendar month), for one model
-- or, with model '*', for all of them together. A request is counted against the '*' rule and the
-- rule of the model that serves it; every rule that applies must admit it.
CREATE TABLE token_budgets (
  tenant_id   text        NOT NULL REFERENCES tenants (id),
  model       text        NOT NULL DEFAULT '*',
  period      text        NOT NULL CHECK (period IN ('day', 'month')),
  tokens      bigint      NOT NULL CHECK (tokens > 0),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, model, period)
);
