/**
 * Tracks which offsets of one partition's batch are done when they finish out of order
 * (different keys run concurrently). Only the contiguous done prefix may be committed:
 * committing past an unfinished offset would lose it on a crash.
 */
export class OffsetTracker {
  private readonly offsets: string[];
  private readonly done = new Set<string>();
  private next = 0;

  constructor(offsets: readonly string[]) {
    this.offsets = [...offsets];
  }

  /** Marks an offset done; returns the new highest committable offset, if it moved. */
  complete(offset: string): string | undefined {
    this.done.add(offset);
    let moved: string | undefined;
    while (this.next < this.offsets.length && this.done.has(this.offsets[this.next]!)) {
      moved = this.offsets[this.next];
      this.done.delete(moved!);
      this.next += 1;
    }
    return moved;
  }

  get pending(): number {
    return this.offsets.length - this.next;
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
