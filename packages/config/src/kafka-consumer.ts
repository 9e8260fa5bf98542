import type { z } from 'zod';
import type { ConfigSchema, VariableShape } from './load.js';
import { defineConfig } from './load.js';
import { duration, integer } from './value-schemas.js';
import { variable } from './variable.js';

/** Tunables of the Kafka consumer runtime (durations in milliseconds once parsed). */
export const kafkaConsumerVariables = {
  KAFKA_SESSION_TIMEOUT: variable({
    description: 'Consumer group session timeout: a member silent this long is removed and its partitions reassigned.',
    schema: duration(), default: '30s',
  }),
  KAFKA_HEARTBEAT_INTERVAL: variable({
    description: 'Interval between consumer heartbeats; keep it at most a third of KAFKA_SESSION_TIMEOUT.',
    schema: duration(), default: '3s',
  }),
  CONSUMER_MAX_IN_FLIGHT_PER_PARTITION: variable({
    description: 'Maximum events of one partition being handled at the same time.',
    schema: integer({ min: 1, max: 10_000 }), default: '16',
  }),
  CONSUMER_MAX_ATTEMPTS: variable({
    description: 'Attempts for a retriable failure before the event goes to the dead-letter topic.',
    schema: integer({ min: 1, max: 1000 }), default: '5',
  }),
  CONSUMER_RETRY_INITIAL_DELAY: variable({
    description: 'Delay before the first retry of a failed event; later retries back off up to CONSUMER_RETRY_MAX_DELAY.',
    schema: duration(), default: '200ms',
  }),
  CONSUMER_RETRY_MAX_DELAY: variable({
    description: 'Upper bound of the delay between retries.',
    schema: duration(), default: '10s',
  }),
  CONSUMER_SHUTDOWN_TIMEOUT: variable({
    description: 'On SIGTERM, time allowed for in-flight events to finish and commit before the process exits.',
    schema: duration(), default: '30s',
  }),
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
