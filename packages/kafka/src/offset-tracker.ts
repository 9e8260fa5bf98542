/**
 * Tracks which offsets of one partition are done when they finish out of order (different keys
 * run concurrently). Offsets are added as they are fetched, in order; only the contiguous done
 * prefix may be committed: committing past an unfinished offset would lose it on a crash.
 */
export class OffsetTracker {
  private offsets: bigint[] = [];
  private head = 0;
  private readonly done = new Set<bigint>();
  private last: bigint | undefined;

  constructor(offsets: readonly string[] = []) {
    for (const offset of offsets) this.track(offset);
  }

  /** Adds the next fetched offset (higher than every one before). */
  track(offset: string): void {
    const value = BigInt(offset);
    this.offsets.push(value);
    this.last = value;
  }

  /** True when the offset was already tracked: a redelivery after a rejoin, already in hand. */
  has(offset: string): boolean {
    return this.last !== undefined && BigInt(offset) <= this.last;
  }

  /** Marks an offset done; returns the new highest committable offset, if it moved. */
  complete(offset: string): string | undefined {
    this.done.add(BigInt(offset));
    let moved: bigint | undefined;
    while (this.head < this.offsets.length && this.done.has(this.offsets[this.head]!)) {
      moved = this.offsets[this.head]!;
      this.done.delete(moved);
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.offsets.length) {
      this.offsets = this.offsets.slice(this.head);
      this.head = 0;
    }
    return moved === undefined ? undefined : moved.toString();
  }

  /** The lowest offset not yet done, if any: where a replay of this partition must start. */
  get firstPending(): string | undefined {
    return this.head < this.offsets.length ? this.offsets[this.head]!.toString() : undefined;
  }

  get pending(): number {
    return this.offsets.length - this.head;
  }
}

/** A counting semaphore: bounds in-flight handlers per partition. */
export class Semaphore {
  private available: number;
  private readonly waiters: (() => void)[] = [];

  constructor(permits: number) {
    this.available = permits;
  }

  async acquire(): Promise<void> {
    if (this.available > 0) {
      this.available -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.available += 1;
  }
}
