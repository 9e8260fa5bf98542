// The two limits of `rivulet reindex`: a rate (chunks per second, a token bucket) and a cost cap
// (US dollars, reserve-then-count against a price per million tokens).
import { AsyncLocalStorage } from 'node:async_hooks';

/** Why a re-index stopped before it was done; `code` is printed and set in --json. */
export class ReindexStop extends Error {
  readonly code: string;

  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ReindexStop';
    this.code = code;
  }
}

/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most `burst`. `take(n)` waits until
 * n are there (n above the burst waits for the burst, then goes into debt, so a batch larger than
 * one second's allowance still runs, at the average rate).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number = Math.max(1, ratePerSecond),
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be above 0, got ${ratePerSecond}`);
    this.tokens = this.burst;
    this.last = now();
  }

  /** Resolves once `count` tokens are taken; callers are served in order. */
  take(count: number): Promise<void> {
    const turn = this.queue.then(() => this.wait(count));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }

  private async wait(count: number): Promise<void> {
    const needed = Math.min(count, this.burst);
    this.refill();
    while (this.tokens < needed) {
      await this.sleep(((needed - this.tokens) / this.ratePerSecond) * 1000);
      this.refill();
    }
    this.tokens -= count;
  }
}

/** An upper bound of the tokens of a text for any BPE or WordPiece tokenizer: one per UTF-8 byte, plus two specials. */
export const tokenBound = (text: string): number => Buffer.byteLength(text, 'utf8') + 2;

/** Errors raised before a request left this process: nothing can have been billed. */
const NOT_SENT = new Set(['invalid_options', 'input_too_long', 'closed', 'missing_api_key', 'unknown_model', 'model_not_found', 'model_invalid']);

/**
 * Counts what the model was paid for and refuses a call that could take the total past the cap.
 * Each call is reserved at its upper bound (tokenBound) before it is sent and counted after at
 * what the provider reported (`usage.prompt_tokens`); when the provider reports no usage, or the
 * call failed after it may have been sent (a timeout, a reset, a 5xx: possibly billed), it is
 * counted at that upper bound. So the counted spend never passes `maxCostUsd` as long as the
 * provider never bills more tokens than a text has bytes (plus two); the price is stopping up to
 * one batch early, and over-counting where usage is missing.
 */
export class CostMeter {
  private tokens = 0;
  private estimated = 0;
  private reserved = 0;
  private readonly attempt = new AsyncLocalStorage<{ reported: number | undefined }>();

  constructor(private readonly pricePerMillionTokens: number | undefined, private readonly maxCostUsd: number | undefined) {}

  /** Tokens counted so far (as the provider reported them; at their upper bound where it did not). */
  get spentTokens(): number {
    return this.tokens;
  }

  /** Of spentTokens, those counted at their upper bound (no usage reported, or a failed call that may have been billed). */
  get estimatedTokens(): number {
    return this.estimated;
  }

  /** US dollars so far; null without a price. */
  get spentUsd(): number | null {
    return this.pricePerMillionTokens === undefined ? null : (this.tokens * this.pricePerMillionTokens) / 1e6;
  }

  /**
   * Holds the upper bound of these texts against the cap (calls running at once each hold
   * theirs), or throws `cost_cap_reached` when they could pass it. Call the returned function
   * once the call's tokens are recorded (or it failed).
   */
  reserve(texts: readonly string[]): () => void {
    const bound = texts.reduce((sum, text) => sum + tokenBound(text), 0);
    if (this.maxCostUsd === undefined || this.pricePerMillionTokens === undefined) return () => undefined;
    const worst = ((this.tokens + this.reserved + bound) * this.pricePerMillionTokens) / 1e6;
    if (worst > this.maxCostUsd) {
      throw new ReindexStop('cost_cap_reached', `stopped before the cost cap: $${this.spentUsd!.toFixed(6)} counted of $${this.maxCostUsd}, and the next batch (${texts.length} chunks, up to ${bound} tokens) could cost up to $${((bound * this.pricePerMillionTokens) / 1e6).toFixed(6)} more`);
    }
    this.reserved += bound;
    let released = false;
    return () => {
      if (!released) this.reserved -= bound;
      released = true;
    };
  }

  record(tokens: number): void {
    this.tokens += tokens;
  }

  /**
   * The model adapter's `onUsage`: the tokens the provider reported for the request of the call()
   * it runs in. A report outside any call() is counted as it is (none is expected).
   */
  readonly onUsage = ({ promptTokens }: { promptTokens: number | undefined }): void => {
    const attempt = this.attempt.getStore();
    if (attempt === undefined) this.tokens += promptTokens ?? 0;
    else if (promptTokens !== undefined) attempt.reported = (attempt.reported ?? 0) + promptTokens;
  };

  /**
   * One model call (one request) for these texts: reserved at their bound (may throw
   * `cost_cap_reached` before sending anything), then counted at the reported usage or, without
   * one, at the bound. `measure` (a local model's tokenizer) counts a successful call instead;
   * a local model's failed call costs nothing.
   */
  async call<T>(texts: readonly string[], send: () => Promise<T>, measure?: (texts: readonly string[]) => number): Promise<T> {
    const bound = texts.reduce((sum, text) => sum + tokenBound(text), 0);
    const release = this.reserve(texts);
    const attempt = { reported: undefined as number | undefined };
    try {
      const result = await this.attempt.run(attempt, send);
      if (measure) this.record(measure(texts));
      else this.count(attempt.reported, bound);
      return result;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!measure && !(code !== undefined && NOT_SENT.has(code))) this.count(attempt.reported, bound);
      throw error;
    } finally {
      release();
    }
  }

  private count(reported: number | undefined, bound: number): void {
    if (reported !== undefined) {
      this.tokens += reported;
    } else {
      this.tokens += bound;
      this.estimated += bound;
    }
  }
}
