// Streams answer text to the replies topic without one Kafka record per token.
//
// Self-clocking batching with a time bound: text appended while no send is in flight goes out at
// once (the first token is never held back); text appended while a send is in flight waits for
// it and leaves in the next send, coalesced per request into one reply-delta. On top of that, a
// stream's text leaves at most once per `intervalMs` (REPLY_DELTA_INTERVAL): a model streaming
// 200 tokens/s gives ~4 tokens per record at 20 ms instead of one record per token, each of
// which Kafka, the ingress and the persistence worker would otherwise handle. The first text of
// a stream, failover markers and flush (the end of the answer) never wait for the interval, and
// a stream whose pending text reaches `sizeBound` characters goes at once. The sources wait up to
// one interval for the first text, so a fast model's answer starts with one record, not two. One
// publisher serves every stream of the process: the streams due at once leave together, each
// through the emitter of the event it answers (HandlerContext.emit), which stamps the hop's
// correlation and trace headers; the producer sends emits made together in one produce request.
import { envelopeFrom } from '@rivulet/kafka';
import { TOPICS, type EventRecords, type Source } from '@rivulet/schemas';
import type { AnyOutgoingEvent } from '@rivulet/kafka';

export type ReplyDelta = AnyOutgoingEvent<Pick<EventRecords, 'reply-delta'>>;

/** Where a stream's deltas leave: the answered event's HandlerContext.emit; resolves once Kafka acknowledged them. */
export type DeltaEmit = (events: readonly ReplyDelta[]) => Promise<void>;

export interface DeltaStreamOptions {
  tenantId: string;
  correlationId: string;
  requestId: string;
  attemptId: string;
  /** The replies partition the request's ingress reads (request.replyRoute.partition). */
  partition: number;
  /** True when an earlier attempt may have streamed text: the client must discard it. */
  reset: boolean;
  /** The answered event's HandlerContext.emit: the deltas join the request's trace as children of this hop. */
  emit: DeltaEmit;
}

/** One answer's stream. `append` never blocks; `flush` resolves when everything appended is acknowledged. */
export interface DeltaStream {
  /** Sends the sources (the seq 0 delta) before any text: with the first text, or alone after one interval (at once when the interval is 0). */
  start(sources: readonly Source[]): void;
  append(text: string): void;
  /** Marks a failover of the model router: text appended before it and after it stay in separate deltas around the marker. */
  failover(marker: Failover): void;
  flush(): Promise<void>;
}

export type Failover = NonNullable<EventRecords['reply-delta']['payload']['failover']>;

/** Largest content of one delta; longer pending text is split so no record grows unbounded. */
const MAX_DELTA_CHARS = 8_192;

interface StreamState {
  options: DeltaStreamOptions;
  seq: number;
  pending: string;
  /** Segments closed by a failover marker, sent before `pending`. */
  segments: { content: string; failover: Failover | null }[];
  sources: readonly Source[] | null;
  started: boolean;
  /** A send that carried some of this stream's deltas failed: the stream has a gap and is dead. */
  failure: unknown;
  /** The send carrying this stream's latest deltas; settles (never rejects) when Kafka answered. */
  lastSend: Promise<void> | undefined;
  /** When this stream's text last left (ms, the publisher's clock); undefined before its first text. */
  lastTextAt: number | undefined;
  /** Marks the stream once its interval has passed (text waiting for its turn). */
  timer: NodeJS.Timeout | undefined;
}

export interface DeltaPublisherOptions {
  /** Least time between two text deltas of one stream (ms); 0: only one send in flight bounds it. */
  intervalMs?: number;
  /** Pending characters that send a stream's text before its interval has passed. */
  sizeBound?: number;
  now?: () => number;
}

export class DeltaPublisher {
  private readonly dirty = new Set<StreamState>();
  private inFlight: Promise<void> | undefined;
  private currentSend: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;
  private readonly sizeBound: number;
  private readonly now: () => number;

  constructor({ intervalMs = 0, sizeBound = 1024, now = () => performance.now() }: DeltaPublisherOptions = {}) {
    this.intervalMs = intervalMs;
    this.sizeBound = sizeBound;
    this.now = now;
  }

  open(options: DeltaStreamOptions): DeltaStream {
    const state: StreamState = {
      options, seq: 0, pending: '', segments: [], sources: null, started: false, failure: undefined, lastSend: undefined, lastTextAt: undefined, timer: undefined,
    };
    return {
      start: (sources) => {
        state.sources = sources;
        state.started = true;
        this.holdSources(state);
      },
      append: (text) => {
        if (text.length === 0) return;
        state.pending += text;
        this.markWhenDue(state);
      },
      failover: (marker) => {
        if (state.pending.length > 0) state.segments.push({ content: state.pending, failover: null });
        state.segments.push({ content: '', failover: marker });
        state.pending = '';
        this.mark(state);
      },
      flush: () => {
        // Held text, or sources still waiting for the first text: everything leaves now.
        if (state.pending.length > 0 || state.timer !== undefined) this.mark(state);
        return this.flushUntilClean(state);
      },
    };
  }

  private mark(state: StreamState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    this.dirty.add(state);
    this.inFlight ??= this.drain();
  }

  /**
   * The sources (the seq 0 delta) wait up to one interval for the first text to travel with them:
   * a model that answers at once sends one record, not two, and the sources record no longer
   * competes with the model call for the CPU; a slow model's sources still leave after the interval.
   */
  private holdSources(state: StreamState): void {
    if (this.intervalMs === 0) {
      this.mark(state);
      return;
    }
    this.schedule(state, this.intervalMs);
  }

  /** Text appended: marked now when it is the stream's first, its interval has passed or it is large; otherwise when the interval ends. */
  private markWhenDue(state: StreamState): void {
    if (this.dirty.has(state)) return;
    const wait = state.lastTextAt === undefined ? 0 : state.lastTextAt + this.intervalMs - this.now();
    if (wait <= 0 || state.pending.length >= this.sizeBound) {
      this.mark(state);
      return;
    }
    if (state.timer === undefined) this.schedule(state, wait);
  }

  private schedule(state: StreamState, waitMs: number): void {
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (state.pending.length > 0 || (state.started && state.seq === 0)) this.mark(state);
    }, Math.ceil(waitMs));
    // An abandoned stream's timer never holds the process open.
    state.timer.unref();
  }

  /** Sends everything pending, again and again, until nothing is. One send at a time. */
  private async drain(): Promise<void> {
    while (this.dirty.size > 0) {
      const batch = [...this.dirty];
      this.dirty.clear();
      const send = Promise.all([...this.byEmitter(batch)].map(([emit, states]) => this.sendThrough(emit, states))).then(() => undefined);
      this.currentSend = send;
      await send;
    }
    this.inFlight = undefined;
  }

  /** Streams that leave through one emitter (tests give several the same) share its call. */
  private byEmitter(batch: readonly StreamState[]): Map<DeltaEmit, StreamState[]> {
    const groups = new Map<DeltaEmit, StreamState[]>();
    for (const state of batch) groups.set(state.options.emit, [...(groups.get(state.options.emit) ?? []), state]);
    return groups;
  }

  /** One emit of these streams' deltas; settles (never rejects) when Kafka answered, marking the streams failed if it refused. */
  private sendThrough(emit: DeltaEmit, states: readonly StreamState[]): Promise<void> {
    const send = emit(states.flatMap((state) => this.take(state))).then(
      () => undefined,
      (error: unknown) => {
        for (const state of states) state.failure ??= error;
      },
    );
    for (const state of states) state.lastSend = send;
    return send;
  }

  private take(state: StreamState): ReplyDelta[] {
    const { options } = state;
    const pieces: { content: string; failover: Failover | null }[] = [];
    if (state.started && state.seq === 0 && state.pending.length === 0 && state.segments.length === 0) pieces.push({ content: '', failover: null });
    const split = (content: string, failover: Failover | null) => {
      if (content.length === 0) pieces.push({ content, failover });
      for (let index = 0; index < content.length; index += MAX_DELTA_CHARS) pieces.push({ content: content.slice(index, index + MAX_DELTA_CHARS), failover: index === 0 ? failover : null });
    };
    for (const segment of state.segments) split(segment.content, segment.failover);
    if (state.pending.length > 0) split(state.pending, null);
    state.segments = [];
    state.pending = '';
    if (pieces.some(({ content }) => content.length > 0)) state.lastTextAt = this.now();
    return pieces.map(({ content, failover }) => {
      const seq = state.seq++;
      return {
        topic: TOPICS.replies, type: 'reply-delta', key: options.requestId, partition: options.partition,
        value: {
          ...envelopeFrom(options),
          payload: {
            requestId: options.requestId, attemptId: options.attemptId, seq, content,
            reset: seq === 0 && options.reset,
            sources: seq === 0 ? [...(state.sources ?? [])] : null,
            failover,
          },
        },
      };
    });
  }

  private async flushUntilClean(state: StreamState): Promise<void> {
    while (state.failure === undefined) {
      if (this.dirty.has(state)) {
        // Waiting for the send in progress; the next one takes this stream's text.
        await this.currentSend;
        continue;
      }
      const last = state.lastSend;
      if (last === undefined) break;
      await last;
      if (state.lastSend === last) state.lastSend = undefined;
    }
    if (state.failure !== undefined) throw state.failure instanceof Error ? state.failure : new Error("delta send failed", { cause: state.failure });
  }
}
