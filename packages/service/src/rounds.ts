// A job run in rounds on a timer beside a process's consumers (the persistence worker's cleanup,
// the indexer's document sweep): one round after `firstDelayMs`, then one `intervalMs` after the
// end of each. The timer never keeps the process alive; stop() waits for a running round.

export interface RoundsOptions<Result> {
  /** One round; aborted `signal` means shutdown (stop between batches). Must not reject. */
  round: (signal: AbortSignal) => Promise<Result>;
  /** Time from the end of one round to the start of the next. */
  intervalMs: number;
  /** Delay of the first round (default intervalMs). */
  firstDelayMs?: number;
}

export interface Rounds<Result> {
  /** Runs a round now, beside the timer's. */
  runRound(): Promise<Result>;
  /** Clears the timer, aborts the running round's signal, and waits for it. */
  stop(): Promise<void>;
}

export const startRounds = <Result>({ round, intervalMs, firstDelayMs = intervalMs }: RoundsOptions<Result>): Rounds<Result> => {
  const shutdown = new AbortController();
  const running = new Set<Promise<Result>>();
  let timer: NodeJS.Timeout | undefined;

  const track = (): Promise<Result> => {
    const current = round(shutdown.signal);
    running.add(current);
    void current.finally(() => running.delete(current));
    return current;
  };

  const schedule = (delayMs: number): void => {
    if (shutdown.signal.aborted) return;
    timer = setTimeout(() => void track().then(() => schedule(intervalMs)), delayMs);
    timer.unref();
  };
  schedule(firstDelayMs);

  return {
    runRound: track,
    stop: async () => {
      shutdown.abort();
      clearTimeout(timer);
      await Promise.allSettled([...running]);
    },
  };
};
