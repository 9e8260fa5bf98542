import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it returns a value other than undefined, or the time is up (then undefined). */
export const waitUntil = async <Result>(
  check: () => Promise<Result | undefined> | Result | undefined,
  { timeoutMs, intervalMs = 200 }: { timeoutMs: number; intervalMs?: number },
): Promise<Result | undefined> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() + intervalMs > deadline) return undefined;
    await sleep(intervalMs);
  }
};
