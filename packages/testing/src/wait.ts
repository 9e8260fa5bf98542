// Bounded polling for tests: wait for a condition instead of sleeping for a guess.
import { randomBytes } from 'node:crypto';

/** A name no other test (or earlier run) uses. */
export const uniqueName = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

export interface WaitOptions {
  /** How long to poll before failing (default 30 s). */
  timeoutMs?: number;
  /** The pause between two probes (default 100 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout's message. */
  description?: string;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : JSON.stringify(error));

/**
 * Polls `probe` (which may be async) until it gives a truthy value, and resolves with it. A probe
 * that throws is polled again (a server not up yet); the timeout's message names `description` and
 * the last error.
 */
export const waitFor = async <T>(probe: () => T | Promise<T>, { timeoutMs = 30_000, intervalMs = 100, description = 'condition' }: WaitOptions = {}): Promise<NonNullable<T>> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}${last === undefined ? '' : `: ${describe(last)}`}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
};
