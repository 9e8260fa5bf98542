import type { z } from 'zod';
import type { ConfigSchema, VariableShape } from './load.js';
import { defineConfig } from './load.js';
import { duration, integer } from './value-schemas.js';
import { setting } from './variable.js';

/** Tunables of the Kafka consumer runtime (durations in milliseconds once parsed). */
export const kafkaConsumerVariables = {
  KAFKA_SESSION_TIMEOUT: setting(duration(), '30s', 'Consumer group session timeout: a member silent this long is removed and its partitions reassigned.'),
  KAFKA_HEARTBEAT_INTERVAL: setting(duration(), '3s', 'Interval between consumer heartbeats; keep it at most a third of KAFKA_SESSION_TIMEOUT.'),
  CONSUMER_MAX_IN_FLIGHT_PER_PARTITION: setting(integer({ min: 1, max: 10_000 }), '16', 'Maximum events of one partition being handled at the same time.'),
  CONSUMER_MAX_ATTEMPTS: setting(integer({ min: 1, max: 1000 }), '5', 'Attempts for a retriable failure before the event goes to the dead-letter topic.'),
  CONSUMER_RETRY_INITIAL_DELAY: setting(duration(), '200ms', 'Delay before the first retry of a failed event; later retries back off up to CONSUMER_RETRY_MAX_DELAY.'),
  CONSUMER_RETRY_MAX_DELAY: setting(duration(), '10s', 'Upper bound of the delay between retries.'),
  CONSUMER_SHUTDOWN_TIMEOUT: setting(duration(), '30s', 'On SIGTERM, time allowed for in-flight events to finish and commit before the process exits.'),
};

type ConsumerTimings = z.output<ConfigSchema<typeof kafkaConsumerVariables>>;

/**
 * Adds the consumer tunables to a worker's schema, with the checks that relate them
 * (heartbeat below the session timeout, initial retry delay not above the maximum).
 * Add the worker's own variables afterwards with `.extend({...})`, which keeps these checks.
 */
export const withKafkaConsumer = <Shape extends VariableShape>(schema: ConfigSchema<Shape>) =>
  schema.extend(kafkaConsumerVariables).superRefine((values, context) => {
    const timings = values as unknown as ConsumerTimings;
    if (timings.KAFKA_HEARTBEAT_INTERVAL >= timings.KAFKA_SESSION_TIMEOUT) {
      context.addIssue({
        code: 'custom', path: ['KAFKA_HEARTBEAT_INTERVAL'],
        message: `expected less than KAFKA_SESSION_TIMEOUT (${timings.KAFKA_SESSION_TIMEOUT}ms), ideally a third of it`,
      });
    }
    if (timings.CONSUMER_RETRY_INITIAL_DELAY > timings.CONSUMER_RETRY_MAX_DELAY) {
      context.addIssue({
        code: 'custom', path: ['CONSUMER_RETRY_INITIAL_DELAY'],
        message: `expected at most CONSUMER_RETRY_MAX_DELAY (${timings.CONSUMER_RETRY_MAX_DELAY}ms)`,
      });
    }
  });

/** The consumer tunables alone, with their checks (for the docs and tests). */
export const kafkaConsumerSchema = withKafkaConsumer(defineConfig({}));
