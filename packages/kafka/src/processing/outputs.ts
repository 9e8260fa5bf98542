// The runtime's one way out for a handler's outputs, returned or emitted: stamps its headers once
// and produces them through the worker's producer (which counts them).
import type { EventMap } from '../catalog.js';
import type { HandlerOutput } from '../handler.js';
import { HEADERS, type HeaderMap } from '../headers.js';
import { isTombstone, type AnyOutgoing, type EventProducer } from '../producer.js';

/** The tenant id header of the input, alone: what a tombstone carries. */
export const tenantHeaderOf = (inputHeaders: HeaderMap): HeaderMap => {
  const tenantId = inputHeaders[HEADERS.tenantId];
  return tenantId === undefined ? {} : { [HEADERS.tenantId]: tenantId };
};

/**
 * Events get the input's correlation id and this hop's traceparent (an output's own headers win);
 * tombstones get the input's tenant id, the one header tombstones carry, so an audit of the topic
 * can tell whose they were.
 */
export const stampOutputs = <Events extends EventMap>(outputs: readonly HandlerOutput<Events>[], inputHeaders: HeaderMap, traceparent: string): AnyOutgoing<Events>[] => {
  const correlation = inputHeaders[HEADERS.correlationId];
  return outputs.map((output) => isTombstone(output)
    ? { ...output, headers: { ...tenantHeaderOf(inputHeaders), ...output.headers } }
    : { ...output, headers: { ...(correlation ? { [HEADERS.correlationId]: correlation } : {}), [HEADERS.traceparent]: traceparent, ...output.headers } });
};

/** Produces a handler's outputs; resolves once Kafka acknowledged them all. */
export const produceOutputs = async <Events extends EventMap>(
  producer: EventProducer<Events>, outputs: readonly HandlerOutput<Events>[], inputHeaders: HeaderMap, traceparent: string,
): Promise<void> => {
  if (outputs.length === 0) return;
  await producer.send(stampOutputs(outputs, inputHeaders, traceparent));
};
