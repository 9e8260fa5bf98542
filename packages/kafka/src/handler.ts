import type { EventMap } from './catalog.js';
import type { HeaderMap } from './headers.js';
import type { AnyOutgoingEvent, OutgoingTombstone } from './producer.js';

/**
 * What a handler hands the runtime to produce: events, and tombstones (`{ topic, key, tombstone: true }`,
 * see `tombstone()`) that remove a key from a compacted topic. The runtime stamps the headers
 * (correlation id and traceparent on events, the input's tenant id on tombstones) and produces
 * them in the order given.
 */
export type HandlerOutput<Events extends EventMap = EventMap> = AnyOutgoingEvent<Events> | OutgoingTombstone;

/**
 * Streams outputs while the handler still runs (reply deltas; tombstones that must be
 * acknowledged before a write the handler does next). Resolves once Kafka acknowledged them.
 * The runtime waits for every emit of an attempt before it produces the returned outputs, so
 * those land after them, and an emit that fails fails the attempt (retried like a throw).
 */
export type Emit<Events extends EventMap = EventMap> = (outputs: readonly HandlerOutput<Events>[]) => Promise<void>;

/** Any event, before the producer checks it against the catalogue. */
export interface LooseOutgoingEvent {
  topic: string;
  type: string;
  key: string | null;
  value: unknown;
  headers?: HeaderMap;
  partition?: number;
}

/**
 * What `emit` takes: any event (checked against the catalogue when the producer encodes it) or a
 * tombstone. Loose on purpose: a typed one would make contexts of different catalogues unassignable.
 */
export type EmittedOutput = LooseOutgoingEvent | OutgoingTombstone;

/**
 * What a handler knows about the record it is handling. `_Events` names the handler's catalogue
 * (its callers pass it; `emit` is loose, see EmittedOutput).
 */
export interface HandlerContext<Type extends string = string, _Events extends EventMap = EventMap> {
  eventType: Type;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: HeaderMap;
  correlationId: string | undefined;
  traceparent: string | undefined;
  /** 1 on the first try, then 2, 3, … on retries. */
  attempt: number;
  /** Aborted when the worker shuts down; long calls should stop and throw. */
  signal: AbortSignal;
  /**
   * Produces outputs now, with the same headers and accounting as returned ones (see Emit).
   * Declared as a method so a context of one catalogue passes where a looser one is expected.
   */
  emit(outputs: readonly EmittedOutput[]): Promise<void>;
}

/**
 * What a handler may return: events of the `Out` types, and tombstones when `Out` lists
 * `'tombstone'` (e.g. `Handler<Events, 'document-received', 'chunk-created' | 'tombstone'>`).
 */
export type HandlerResult<Events extends EventMap, Out extends string> = readonly (
  | AnyOutgoingEvent<Pick<Events, Exclude<Out, 'tombstone'> & keyof Events>>
  | ('tombstone' extends Out ? OutgoingTombstone : never)
)[];

/** Every output a handler may return: any event of the catalogue, or a tombstone. */
export type AnyHandlerOutputType<Events extends EventMap> = (keyof Events & string) | 'tombstone';

/**
 * A worker's logic: a plain function from one event to the outputs it causes. The runtime
 * produces the returned outputs (after everything emitted through the context) and only then
 * marks the input consumed, so a crash between the two replays the input (at-least-once).
 * Throw to fail: see errors.ts for how the runtime reads the error.
 */
export type Handler<Events extends EventMap, In extends keyof Events & string = keyof Events & string, Out extends AnyHandlerOutputType<Events> = keyof Events & string> = (
  event: Events[In],
  context: HandlerContext<In, Events>,
) => Promise<HandlerResult<Events, Out> | void>;

/** A tombstone output: removes `key` from the compacted `topic` (named without KAFKA_TOPIC_PREFIX). */
export const tombstone = (topic: string, key: string): OutgoingTombstone => ({ topic, key, tombstone: true });
