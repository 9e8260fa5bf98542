import { setTimeout as delay } from 'node:timers/promises';

/** A readiness check resolves when its dependency answers and rejects (with the reason) when not. */
export type ReadinessCheck = () => Promise<void>;

export interface ReadinessReport {
  ready: boolean;
  /** Check name to `up` or `down: <reason>`. */
  checks: Record<string, string>;
}

/** Runs every check at once; one that has not settled within `timeoutMs` counts as down. */
export const runReadinessChecks = async (
  checks: Readonly<Record<string, ReadinessCheck>>,
  timeoutMs: number,
): Promise<ReadinessReport> => {
  const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await runOne(check, timeoutMs)] as const));
  return { ready: entries.every(([, status]) => status === 'up'), checks: Object.fromEntries(entries) };
};

const runOne = async (check: ReadinessCheck, timeoutMs: number): Promise<string> => {
  const timeout = new AbortController();
  try {
    // Promise.resolve().then() also turns a synchronous throw into a rejection.
    const outcome = await Promise.race([
      Promise.resolve().then(check).then(() => 'up'),
      delay(timeoutMs, `down: no answer within ${timeoutMs}ms`, { signal: timeout.signal }),
    ]);
    return outcome;
  } catch (error) {
    return `down: ${reasonOf(error)}`;
  } finally {
    timeout.abort();
  }
};

// One short line: the body is read by people and by `rivulet status`.
const reasonOf = (error: unknown): string => {
  const text = (error instanceof Error ? error.message : String(error)).replaceAll(/\s+/g, ' ').trim() || 'check failed';
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
};
