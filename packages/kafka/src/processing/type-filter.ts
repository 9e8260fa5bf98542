// Records of a type this worker does not take are acknowledged without calling the handler.
import type { EventMap } from '../catalog.js';
import { HEADERS } from '../headers.js';
import type { InputRecord, MessageProcessorOptions } from './record.js';

/** True (and counted as skipped) when `eventType` is not one the worker takes. */
export const skipsType = <Events extends EventMap>(options: MessageProcessorOptions<Events>, record: InputRecord, eventType: string): boolean => {
  if (options.eventTypes === undefined || options.eventTypes.includes(eventType)) return false;
  const { group, instrumentation } = options;
  instrumentation.messageHandled({ group, topic: record.topic, partition: record.partition, eventType, outcome: 'skipped', durationSeconds: record.seconds(), attempts: 0 });
  return true;
};

/**
 * The type as its producer named it in the header, checked before decoding: the persistence
 * worker reads every reply-delta of the replies topic only to pass over it.
 */
export const skipsNamedType = <Events extends EventMap>(options: MessageProcessorOptions<Events>, record: InputRecord): boolean => {
  const namedType = record.headers[HEADERS.eventType];
  return namedType !== undefined && skipsType(options, record, namedType);
};
