import { baseVariables, databasePoolSize, defineConfig, fromParser, parseDuration, setting, withKafkaConsumer } from '@rivulet/config';

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer delay would fire at once. */
const MAX_INTERVAL_MS = 24 * 86_400_000;

/** The shortest retention the schedule takes: `30s` typed for `30d` must not empty every tenant's history. */
const MIN_RETENTION_MS = 3_600_000;

/** A duration of at least an hour, or `0`/`off` (returned as 0): the schedule is off. */
const retentionOrOff = () => fromParser((text) => {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'off' || trimmed === '0') return 0;
  let milliseconds: number;
  try {
    milliseconds = parseDuration(trimmed);
  } catch {
    throw new TypeError('expected a duration with a unit (ms, s, m, h, d), such as 30d, or 0 or off');
  }
  if (milliseconds === 0) return 0;
  if (milliseconds < MIN_RETENTION_MS) throw new RangeError(`expected at least 1h (or 0/off), got ${text.trim()}: a retention that short would delete conversations in use; \`rivulet cleanup --older-than\` takes any duration by hand`);
  return milliseconds;
});

const interval = () => fromParser((text) => {
  const milliseconds = parseDuration(text);
  if (milliseconds < 1 || milliseconds > MAX_INTERVAL_MS) throw new RangeError('expected a duration from 1ms to 24d');
  return milliseconds;
});

export const persistenceConfigSchema = withKafkaConsumer(
  defineConfig({
    ...baseVariables({ processName: 'persistence' }),
    ...databasePoolSize('PERSISTENCE', '4', 'one persistence worker process (each message being stored holds one for its short transaction)'),
    CONVERSATION_RETENTION: setting(retentionOrOff(), '30d', 'Conversations (and their messages) with no new message for this long are deleted, for every tenant, by the persistence worker\'s cleanup rounds; at least 1h; 0 or off turns the rounds off (run `rivulet cleanup` instead).'),
    CLEANUP_INTERVAL: setting(interval(), '1h', 'Time between two cleanup rounds of one persistence worker (the first runs at a random moment within 30 s of the start, or within the interval when shorter); one instance at a time runs a round (a PostgreSQL advisory lock), the others skip it.'),
  }),
);
