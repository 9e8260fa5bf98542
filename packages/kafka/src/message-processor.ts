import type { KafkaMessage } from 'kafkajs';
import type { EventMap } from './catalog.js';
import { HEADERS, childTraceparent } from './headers.js';
import { account } from './processing/accounting.js';
import { deadLetter } from './processing/dead-letter-publish.js';
import { decodeWithRetry } from './processing/decode.js';
import { callHandler } from './processing/handler-call.js';
import { recordLatency } from './processing/latency.js';
import { inputRecord, resultOf, type MessageProcessorOptions, type Outcome, type ProcessResult } from './processing/record.js';
import { withRetry } from './processing/retry.js';
import { traced } from './processing/span.js';
import { handleTombstoneInput } from './processing/tombstone-input.js';
import { skipsNamedType, skipsType } from './processing/type-filter.js';

export type { MessageProcessorOptions, ProcessResult } from './processing/record.js';

/**
 * Takes one record from decode to acknowledged outputs: the whole at-least-once and dead-letter
 * policy of the runtime, as small wrappers around the handler call (processing/): tombstone
 * input, type skipping, decode with retry, latency metrics, the tracing span, accounting, and
 * retry with dead-letter.
 */
export class MessageProcessor<Events extends EventMap> {
  /** Read once: the per-event debug line is not even built when nobody reads it. */
  private readonly logsEachEvent: boolean;

  constructor(private readonly options: MessageProcessorOptions<Events>) {
    this.logsEachEvent = options.logger.isLevelEnabled?.('debug') === true;
  }

  async process(topic: string, partition: number, message: KafkaMessage, signal: AbortSignal): Promise<ProcessResult> {
    const { options } = this;
    const record = inputRecord(topic, partition, message, signal);
    const tombstone = handleTombstoneInput(options, record);
    if (tombstone !== undefined) return tombstone;
    if (skipsNamedType(options, record)) return 'done';

    const decoded = await decodeWithRetry(options, message, signal);
    if (decoded === 'abandoned') return 'abandoned';
    if ('error' in decoded) {
      // Undecodable: dead-lettered at once, in a span named by the header's type, continuing the header's trace.
      const eventType = record.headers[HEADERS.eventType] ?? 'unknown';
      return resultOf(await traced(options, record, eventType, () => record.headers[HEADERS.traceparent], async (traceparent) =>
        this.accounted(record, eventType, traceparent, await deadLetter(options, record, decoded.error, 1, traceparent))));
    }
    if (skipsType(options, record, decoded.type)) return 'done';
    recordLatency(options, record, decoded.value);
    // The span (when traced) names this hop; untraced, a new span id of the header's trace does.
    return resultOf(await traced(options, record, decoded.type, () => childTraceparent(record.headers[HEADERS.traceparent]), async (traceparent) =>
      this.accounted(record, decoded.type, traceparent, await withRetry(options, record, decoded.type, traceparent, (attempt) =>
        callHandler(options, record, decoded, traceparent, attempt)))));
  }

  private accounted(record: Parameters<typeof account>[1], eventType: string, traceparent: string | undefined, outcome: Outcome): Outcome {
    account(this.options, record, { eventType, traceparent, logsEachEvent: this.logsEachEvent }, outcome);
    return outcome;
  }
}
