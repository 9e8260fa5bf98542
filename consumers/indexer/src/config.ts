import { baseVariables, databasePoolSize, defineConfig, fromParser, parseDuration, setting, withKafkaConsumer } from '@rivulet/config';

/** Node's timers hold at most 2^31-1 ms (about 24.8 days). */
const MAX_TIMER_MS = 24 * 86_400_000;

/** A duration from `min` to 24 days; with `orOff`, `0` or `off` too (returned as 0). */
const durationFrom = (min: number, label: string, { orOff = false } = {}) => fromParser((text) => {
  const trimmed = text.trim().toLowerCase();
  if (orOff && (trimmed === 'off' || trimmed === '0')) return 0;
  const milliseconds = parseDuration(trimmed);
  if (milliseconds < min || milliseconds > MAX_TIMER_MS) throw new RangeError(`expected a duration from ${label} to 24d${orOff ? ', or 0/off' : ''}`);
  return milliseconds;
});

export const indexerConfigSchema = withKafkaConsumer(
  defineConfig({
    ...baseVariables({ processName: 'indexer' }),
    ...databasePoolSize('INDEXER', '8', 'one indexer process (each in-flight chunk holds one during its transaction)'),
    DOCUMENT_PROCESSING_TIMEOUT: setting(durationFrom(60_000, '1m', { orOff: true }), '30m', 'A document still `accepted` or `processing` this long after its last step (accepted by the ingress, chunked by the ingestion worker) is marked `failed` (`processing_timeout`) by the indexers\' sweep. Set it above the longest a large document takes from chunking to indexed, backlog included; a swept document that completes later still ends `completed`. At least 1m; 0 or off: no sweep (dead letters still fail their documents).'),
    DOCUMENT_SWEEP_INTERVAL: setting(durationFrom(1, '1ms'), '1m', 'Time between two sweeps of one indexer process for documents past DOCUMENT_PROCESSING_TIMEOUT; every instance sweeps, each document is failed by one (FOR UPDATE SKIP LOCKED).'),
  }),
);
