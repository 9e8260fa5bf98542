import type { KafkaMessage } from 'kafkajs';
import type { AnyDecodedEvent, EventMap } from '../catalog.js';
import { classifyError, type ClassifiedError } from '../errors.js';
import { backOff, type MessageProcessorOptions } from './record.js';

export type Decoded<Events extends EventMap> = AnyDecodedEvent<Events> | { error: ClassifiedError } | 'abandoned';

/** Registry outages are nobody's fault: retry until it answers or we shut down, never dead-letter. */
export const decodeWithRetry = async <Events extends EventMap>(options: MessageProcessorOptions<Events>, message: KafkaMessage, signal: AbortSignal): Promise<Decoded<Events>> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await options.codec.decode(message.value);
    } catch (error) {
      const classified = classifyError(error);
      if (!classified.retriable) return { error: classified };
      options.logger.warn({ offset: message.offset, attempt, error: classified.message }, 'schema registry unavailable, retrying decode');
      if (!(await backOff(options, attempt, signal))) return 'abandoned';
    }
  }
};
