-- Up Migration
-- pgvector is created by `rivulet infra up` as a superuser (the application role may not);
-- this only asserts it is there so a misconfigured database fails at migration time.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
    RAISE EXCEPTION 'pgvector extension is missing: run "rivulet infra up" (or CREATE EXTENSION vector as a superuser)';
  END IF;
END
$$;

-- The idempotency ledger sinks use: a redelivered event (at-least-once) finds its id here.
CREATE TABLE processed_events (
  consumer_group text        NOT NULL,
  event_id       text        NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);
