import type { EventMap } from '../catalog.js';
import { deadLetterFor, DEAD_LETTER_EVENT_TYPE } from '../dead-letter.js';
import type { ClassifiedError } from '../errors.js';
import { HEADERS } from '../headers.js';
import type { AnyOutgoingEvent } from '../producer.js';
import { backOff, correlationOf, keyOf, type InputRecord, type MessageProcessorOptions, type Outcome } from './record.js';

/**
 * Publishes the dead letter, retrying until Kafka takes it. If it never does before shutdown
 * the record stays uncommitted and is read again: nothing accepted is lost.
 */
export const deadLetter = async <Events extends EventMap>(
  options: MessageProcessorOptions<Events>, record: InputRecord, error: ClassifiedError, attempts: number, traceparent: string | undefined,
): Promise<Outcome> => {
  const { group, logger } = options;
  const { topic, partition, message, headers } = record;
  const { event, headers: deadLetterHeaders } = deadLetterFor({ message, headers, topic, partition, group, error, attempts });
  // The dead letter continues the failed hop's trace (the original header stays in its payload).
  if (traceparent !== undefined) deadLetterHeaders[HEADERS.traceparent] = traceparent;
  for (let sendAttempt = 1; ; sendAttempt += 1) {
    try {
      await options.producer.send([
        { topic: options.deadLetterTopic, type: DEAD_LETTER_EVENT_TYPE, key: keyOf(message), value: event, headers: deadLetterHeaders },
      ] as unknown as AnyOutgoingEvent<Events>[]);
      return { kind: 'dead_lettered', attempts, error };
    } catch (sendError) {
      logger.error({ ...correlationOf(headers, traceparent), topic, partition, offset: message.offset, error: (sendError as Error).message }, 'dead-letter publish failed; offset held back');
      if (!(await backOff(options, sendAttempt, record.signal))) {
        return { kind: 'abandoned', attempts, reason: 'shutdown interrupted the dead-letter publish; the event is read again' };
      }
    }
  }
};
