import type { EventMap } from './catalog.js';
import type { HeaderMap } from './headers.js';
import type { AnyOutgoingEvent } from './producer.js';

/** What a handler knows about the record it is handling. */
export interface HandlerContext<Type extends string = string> {
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
}

/**
 * A worker's logic: a plain function from one event to the events it causes. The
 * runtime publishes the returned events and only then marks the input consumed, so
 * a crash between the two replays the input (at-least-once). Throw to fail: see
 * errors.ts for how the runtime reads the error.
 */
export type Handler<Events extends EventMap, In extends keyof Events & string = keyof Events & string, Out extends keyof Events & string = keyof Events & string> = (
  event: Events[In],
  context: HandlerContext<In>,
) => Promise<readonly AnyOutgoingEvent<Pick<Events, Out>>[] | void>;
