// The two limits of `rivulet reindex`: a rate (chunks per second, a token bucket) and a cost cap
// (US dollars, reserve-then-count against a price per million tokens).

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

/**
 * Counts what the model was paid for and refuses a batch that could take the total past the cap.
 * A batch is reserved at its upper bound (tokenBound) before it is sent and counted at what the
 * provider reported after, so the spend never passes `maxCostUsd` as long as the provider never
 * counts more tokens than bytes; the price of that guarantee is stopping up to one batch early.
 */
export class CostMeter {
  private tokens = 0;
  private reserved = 0;

  constructor(private readonly pricePerMillionTokens: number | undefined, private readonly maxCostUsd: number | undefined) {}

  /** Tokens billed so far (as the provider reported them; estimated where it did not). */
  get spentTokens(): number {
    return this.tokens;
  }

  /** US dollars so far; null without a price. */
  get spentUsd(): number | null {
    return this.pricePerMillionTokens === undefined ? null : (this.tokens * this.pricePerMillionTokens) / 1e6;
  }

  /**
   * Holds the upper bound of these texts against the cap (batches running at once each hold
   * theirs), or throws `cost_cap_reached` when they could pass it. Call the returned function
   * once the batch's tokens are recorded (or it failed).
   */
  reserve(texts: readonly string[]): () => void {
    if (this.maxCostUsd === undefined || this.pricePerMillionTokens === undefined) return () => undefined;
    const bound = texts.reduce((sum, text) => sum + tokenBound(text), 0);
    const worst = ((this.tokens + this.reserved + bound) * this.pricePerMillionTokens) / 1e6;
    if (worst > this.maxCostUsd) {
      throw new ReindexStop('cost_cap_reached', `stopped before the cost cap: $${this.spentUsd!.toFixed(6)} spent of $${this.maxCostUsd}, and the next batch (${texts.length} chunks, up to ${bound} tokens) could cost up to $${((bound * this.pricePerMillionTokens) / 1e6).toFixed(6)} more`);
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
}
