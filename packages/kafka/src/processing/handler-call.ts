// One attempt at a decoded event: the handler runs with a context whose `emit` produces at once;
// its returned outputs are produced after every emit of the attempt was acknowledged.
import type { AnyDecodedEvent, EventMap } from '../catalog.js';
import type { Emit, HandlerContext, HandlerOutput } from '../handler.js';
import { HEADERS } from '../headers.js';
import { produceOutputs } from './outputs.js';
import { keyOf, type InputRecord, type MessageProcessorOptions } from './record.js';

export const callHandler = async <Events extends EventMap>(
  options: MessageProcessorOptions<Events>, record: InputRecord, { type, value }: AnyDecodedEvent<Events>, traceparent: string, attempt: number,
): Promise<void> => {
  const { producer, handler } = options;
  const { topic, partition, message, headers, signal } = record;
  const emitted: Promise<void>[] = [];
  let emitFailure: { error: unknown } | undefined;
  const emit: Emit<Events> = (outputs) => {
    const sent = produceOutputs(producer, outputs, headers, traceparent);
    // Watched here as well, so an emit the handler did not await still fails the attempt (and is never an unhandled rejection).
    emitted.push(sent.catch((error: unknown) => void (emitFailure ??= { error })));
    return sent;
  };
  const context: HandlerContext<typeof type, Events> = {
    eventType: type, topic, partition, offset: message.offset, key: keyOf(message),
    headers, correlationId: headers[HEADERS.correlationId], traceparent, attempt, signal, emit,
  };
  const outputs = await handler(value, context);
  await Promise.all(emitted);
  if (emitFailure !== undefined) throw emitFailure.error;
  // Pick<Events, …> of the handler's Out types is Events itself to the producer.
  await produceOutputs(producer, (outputs ?? []) as readonly HandlerOutput<Events>[], headers, traceparent);
};
