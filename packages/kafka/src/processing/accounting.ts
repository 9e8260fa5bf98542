// Metrics and log lines of a record whose attempts ended: handled, dead-lettered (abandoned
// records are read again and counted then).
import type { EventMap } from '../catalog.js';
import { correlationOf, type InputRecord, type MessageProcessorOptions, type Outcome } from './record.js';

export interface Accounted {
  eventType: string;
  traceparent: string | undefined;
  /** The per-event debug line is built only when someone reads it. */
  logsEachEvent: boolean;
}

export const account = <Events extends EventMap>(options: MessageProcessorOptions<Events>, record: InputRecord, { eventType, traceparent, logsEachEvent }: Accounted, outcome: Outcome): void => {
  const { group, instrumentation, logger } = options;
  const { topic, partition, message, headers } = record;
  const { attempts } = outcome;
  if (outcome.kind === 'handled') {
    const durationSeconds = record.seconds();
    instrumentation.messageHandled({ group, topic, partition, eventType, outcome: attempts > 1 ? 'retried' : 'ok', durationSeconds, attempts });
    if (logsEachEvent) {
      logger.debug({ ...correlationOf(headers, traceparent), topic, partition, offset: message.offset, eventType, attempts, durationMs: Math.round(durationSeconds * 1000) }, 'event handled');
    }
  } else if (outcome.kind === 'dead_lettered') {
    const { error } = outcome;
    logger.warn({ ...correlationOf(headers, traceparent), topic, partition, offset: message.offset, eventType, code: error.code, error: error.message, attempts }, 'event dead-lettered');
    instrumentation.deadLettered({ group, topic, reason: error.code });
    instrumentation.messageHandled({ group, topic, partition, eventType, outcome: 'dead_lettered', durationSeconds: record.seconds(), attempts });
  }
};
