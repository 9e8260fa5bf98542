// A tombstone (null value) on a compacted topic says a key was removed (`rivulet erase`): there is
// no event to handle, and it is not a malformed record. It is passed on (forwardTombstonesTo) or
// acknowledged untouched.
import type { EventMap } from '../catalog.js';
import { tombstone } from '../handler.js';
import { backOff, type InputRecord, type MessageProcessorOptions, type ProcessResult } from './record.js';
import { tenantHeaderOf } from './outputs.js';

/** Handles a tombstone input; undefined when the record has a value (for the next wrapper). */
export const handleTombstoneInput = <Events extends EventMap>(options: MessageProcessorOptions<Events>, record: InputRecord): Promise<ProcessResult> | undefined => {
  if (record.message.value !== null) return undefined;
  const key = record.message.key?.toString('utf8');
  if (options.forwardTombstonesTo !== undefined && key !== undefined) return forwardTombstone(options, record, key, options.forwardTombstonesTo);
  const { group, instrumentation } = options;
  instrumentation.messageHandled({ group, topic: record.topic, partition: record.partition, eventType: 'tombstone', outcome: 'skipped', durationSeconds: record.seconds(), attempts: 0 });
  return Promise.resolve('done');
};

/**
 * Produces the tombstone, same key, on `to` and waits for Kafka's acknowledgement, retrying until
 * it comes: there is nothing to dead-letter, and giving up would lose the removal. Runs in the
 * key's lane like any event, so the outputs of the key's earlier events are acknowledged first.
 */
const forwardTombstone = async <Events extends EventMap>(options: MessageProcessorOptions<Events>, record: InputRecord, key: string, to: string): Promise<ProcessResult> => {
  const { group, instrumentation, logger } = options;
  const { topic, partition, message } = record;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await options.producer.send([{ ...tombstone(to, key), headers: tenantHeaderOf(record.headers) }]);
      instrumentation.messageHandled({ group, topic, partition, eventType: 'tombstone', outcome: attempt > 1 ? 'retried' : 'ok', durationSeconds: record.seconds(), attempts: attempt });
      return 'done';
    } catch (error) {
      logger.error({ topic, partition, offset: message.offset, to, attempt, error: (error as Error).message }, 'tombstone forward failed; offset held back');
      if (!(await backOff(options, attempt, record.signal))) return 'abandoned';
    }
  }
};
