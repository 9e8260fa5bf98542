// Routes reply events from this instance's replies partition to the request waiting for them.
// Requests are in memory: only the instance that accepted a request holds its listener, and the
// generation worker produces to that instance's partition (decision 0007).
import type { ReplyDelta, ReplyEnd, Source } from '@rivulet/schemas';
import type { ErrorBody } from '../errors.js';

export type ReplyEndPayload = ReplyEnd['payload'];
export type FailoverMarker = NonNullable<ReplyDelta['payload']['failover']>;

/** What a waiting request is told. Exactly one of `done` or `error` is called, once. */
export interface ReplyListener {
  sources(sources: Source[]): void;
  delta(content: string): void;
  /** A new generation attempt replaces one whose text was already delivered: discard that text. */
  reset(): void;
  /** The model router switched deployment; with `afterOutput` the text so far stays and the answer continues. */
  failover(marker: FailoverMarker): void;
  done(payload: ReplyEndPayload): void;
  error(error: ErrorBody): void;
}

export type DeliveryOutcome = 'delivered' | 'unknown_request' | 'stale_attempt' | 'duplicate' | 'gap';

interface Waiting {
  listener: ReplyListener;
  attemptId: string | undefined;
  superseded: Set<string>;
  nextSeq: number;
  /** Something of the current attempt reached the listener (sources or text). */
  delivered: boolean;
}

export class ReplyRouter {
  private readonly waiting = new Map<string, Waiting>();

  /** Starts routing replies of `requestId` to `listener` until a terminal event or `finish`. */
  register(requestId: string, listener: ReplyListener): void {
    this.waiting.set(requestId, { listener, attemptId: undefined, superseded: new Set(), nextSeq: 0, delivered: false });
  }

  isWaiting(requestId: string): boolean {
    return this.waiting.has(requestId);
  }

  get size(): number {
    return this.waiting.size;
  }

  /** Ends a request from this side (timeout, cancel, publish failure): the listener gets `error`. */
  fail(requestId: string, error: ErrorBody): boolean {
    const entry = this.waiting.get(requestId);
    if (!entry) return false;
    this.waiting.delete(requestId);
    entry.listener.error(error);
    return true;
  }

  /** Stops routing without telling the listener (its client went away). */
  forget(requestId: string): void {
    this.waiting.delete(requestId);
  }

  /** Follows the newest attempt: a seq 0 delta (or an end) of an attempt not seen before takes over. */
  private follow(entry: Waiting, attemptId: string, startsAttempt: boolean): 'current' | 'stale' {
    if (entry.attemptId === attemptId) return 'current';
    if (entry.superseded.has(attemptId) || !startsAttempt) return 'stale';
    if (entry.attemptId !== undefined) entry.superseded.add(entry.attemptId);
    const hadOutput = entry.delivered;
    entry.attemptId = attemptId;
    entry.nextSeq = 0;
    entry.delivered = false;
    if (hadOutput) entry.listener.reset();
    return 'current';
  }

  deliver(event: ReplyDelta | ReplyEnd): DeliveryOutcome {
    const { payload } = event;
    const entry = this.waiting.get(payload.requestId);
    if (!entry) return 'unknown_request';
    if ('seq' in payload) {
      if (this.follow(entry, payload.attemptId, payload.seq === 0) === 'stale') return 'stale_attempt';
      if (payload.seq < entry.nextSeq) return 'duplicate';
      if (payload.seq > entry.nextSeq) return 'gap';
      entry.nextSeq += 1;
      if (payload.seq === 0) {
        entry.listener.sources(payload.sources ?? []);
        entry.delivered = true;
      }
      if (payload.failover !== null) entry.listener.failover(payload.failover);
      if (payload.content.length > 0) {
        entry.listener.delta(payload.content);
        entry.delivered = true;
      }
      return 'delivered';
    }
    if (this.follow(entry, payload.attemptId, true) === 'stale') return 'stale_attempt';
    this.waiting.delete(payload.requestId);
    if (payload.status === 'done') {
      if (!entry.delivered) entry.listener.sources(payload.sources);
      entry.listener.done(payload);
    } else {
      const error = payload.error ?? { code: 'internal', message: 'generation failed', retryable: true, retryAfterMs: null };
      entry.listener.error({
        code: error.code as ErrorBody['code'], message: error.message, retryable: error.retryable,
        ...(error.retryAfterMs === null ? {} : { retryAfterMs: error.retryAfterMs }),
      });
    }
    return 'delivered';
  }
}
