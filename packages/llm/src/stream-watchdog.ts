// Timeouts of a streamed remote answer: a provider that accepts the request and then sends
// nothing would otherwise hold a generation (and a Kafka partition) for minutes.

export type StallKind = 'first_token' | 'idle';

export interface StreamWatchdog {
  /** Give this to the HTTP request: aborted by the caller's signal or by a stall. */
  readonly signal: AbortSignal;
  /** Which timeout fired, if one did. */
  readonly stalled: StallKind | undefined;
  /** A chunk arrived; `text` when it carried output text (that ends the wait for the first token). */
  chunk(text: boolean): void;
  /** Stops the clock while the consumer holds a yielded event (a slow consumer is not a stalled provider). */
  pause(): void;
  resume(): void;
  dispose(): void;
}

export interface StreamWatchdogOptions {
  readonly signal: AbortSignal;
  /** From the request until the first output text. */
  readonly firstTokenTimeoutMs: number;
  /** Between two chunks once text flows. */
  readonly idleTimeoutMs: number;
}

export const createStreamWatchdog = ({ signal, firstTokenTimeoutMs, idleTimeoutMs }: StreamWatchdogOptions): StreamWatchdog => {
  const controller = new AbortController();
  let stalled: StallKind | undefined;
  let sawText = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (kind: StallKind, ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = kind;
      controller.abort(new Error(kind === 'first_token' ? `no output within ${ms} ms` : `no data for ${ms} ms`));
    }, ms);
  };
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  arm('first_token', firstTokenTimeoutMs);
  return {
    signal: controller.signal,
    get stalled() {
      return stalled;
    },
    chunk: (text) => {
      if (text) sawText = true;
      if (sawText && stalled === undefined) arm('idle', idleTimeoutMs);
    },
    pause: () => clearTimeout(timer),
    resume: () => {
      if (stalled === undefined && !controller.signal.aborted) arm(sawText ? 'idle' : 'first_token', sawText ? idleTimeoutMs : firstTokenTimeoutMs);
    },
    dispose: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
};
