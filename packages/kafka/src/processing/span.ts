// The consumer span of one record (when traced): started before the handler, ended with how the
// record's attempts ended. Its traceparent goes on every output and on the dead letter.
import type { EventMap } from '../catalog.js';
import { SPAN_ATTRIBUTES, startConsumerSpan, type MessageSpan } from '../tracing.js';
import type { InputRecord, MessageProcessorOptions, Outcome } from './record.js';

/** Runs `body` inside the record's span; `untraced` gives the traceparent when no span was started. */
export const traced = async <Events extends EventMap, Traceparent extends string | undefined>(
  options: MessageProcessorOptions<Events>, record: InputRecord, eventType: string, untraced: () => Traceparent,
  body: (traceparent: string | Traceparent) => Promise<Outcome>,
): Promise<Outcome> => {
  const { tracer, group } = options;
  const { topic, partition, message, headers } = record;
  const span = tracer === undefined ? undefined : startConsumerSpan(tracer, { group, topic, partition, offset: message.offset, eventType, headers });
  const outcome = await body(span?.traceparent ?? untraced());
  endSpan(span, outcome);
  return outcome;
};

const endSpan = (span: MessageSpan | undefined, outcome: Outcome): void => {
  if (span === undefined) return;
  const attributes = { [SPAN_ATTRIBUTES.attempts]: outcome.attempts };
  if (outcome.kind === 'handled') span.end(outcome.attempts > 1 ? { attributes } : undefined);
  else if (outcome.kind === 'dead_lettered') span.end({ attributes, error: { code: outcome.error.code, message: outcome.error.message } });
  else span.end({ attributes, error: { code: 'abandoned', message: outcome.reason } });
};
