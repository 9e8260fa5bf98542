// Retry and dead-letter, the runtime's one decision about a failed handler: classifyError says
// whether another attempt may help; past maxAttempts, or when it may not, the event is dead-lettered.
import type { EventMap } from '../catalog.js';
import { classifyError } from '../errors.js';
import { deadLetter } from './dead-letter-publish.js';
import { backOff, correlationOf, type InputRecord, type MessageProcessorOptions, type Outcome } from './record.js';

export const withRetry = async <Events extends EventMap>(
  options: MessageProcessorOptions<Events>, record: InputRecord, eventType: string, traceparent: string, attemptOnce: (attempt: number) => Promise<void>,
): Promise<Outcome> => {
  const { topic, partition, message, headers } = record;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await attemptOnce(attempt);
      return { kind: 'handled', attempts: attempt };
    } catch (error) {
      const classified = classifyError(error);
      if (!classified.retriable || attempt >= options.maxAttempts) return deadLetter(options, record, classified, attempt, traceparent);
      options.logger.warn({ ...correlationOf(headers, traceparent), topic, partition, offset: message.offset, eventType, attempt, code: classified.code, error: classified.message }, 'handler failed, retrying');
      if (!(await backOff(options, attempt, record.signal))) {
        return { kind: 'abandoned', attempts: attempt, reason: 'shutdown interrupted the retries; the event is read again' };
      }
    }
  }
};
