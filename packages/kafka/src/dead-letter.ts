import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import type { EventDeadLettered, EventDeadLetteredPayload } from '@rivulet/schemas';
import type { ClassifiedError } from './errors.js';
import { HEADERS, type HeaderMap } from './headers.js';

/** The dead-letter envelope (schemas/avro/event-dead-lettered.avsc), as generated in @rivulet/schemas. */
export type DeadLetterEvent = EventDeadLettered;
export type DeadLetterPayload = EventDeadLetteredPayload;

export const DEAD_LETTER_EVENT_TYPE = 'event-dead-lettered';

/** Builds the dead-letter event and its headers; the reason is readable without decoding. */
export const deadLetterFor = (input: {
  message: KafkaMessage;
  headers: HeaderMap;
  topic: string;
  partition: number;
  group: string;
  error: ClassifiedError;
  attempts: number;
}): { event: DeadLetterEvent; headers: HeaderMap } => {
  const { message, headers, topic, partition, group, error, attempts } = input;
  const now = Date.now();
  const event: DeadLetterEvent = {
    eventId: randomUUID(),
    tenantId: headers[HEADERS.tenantId] ?? 'unknown',
    correlationId: headers[HEADERS.correlationId] ?? `${topic}/${partition}/${message.offset}`,
    occurredAt: now,
    payload: {
      originalTopic: topic,
      originalPartition: partition,
      originalOffset: message.offset,
      originalTimestamp: Number.isFinite(Number(message.timestamp)) ? Number(message.timestamp) : null,
      originalKey: message.key ?? null,
      originalValue: message.value ?? null,
      originalHeaders: headers,
      consumerGroup: group,
      errorCode: error.code,
      errorMessage: error.message.slice(0, 4000),
      retriable: error.retriable,
      attempts,
      failedAt: now,
    },
  };
  // The original's type and id stay in originalHeaders: on the dead letter they would name the
  // wrong event (the producer's own headers come first, so a copy would override them), and a
  // consumer of the dead-letter topic that takes `event-dead-lettered` would skip every one.
  const { [HEADERS.eventType]: _originalType, [HEADERS.eventId]: _originalId, ...carried } = headers;
  const deadLetterHeaders: HeaderMap = {
    ...carried,
    [HEADERS.deadLetter.reason]: error.code,
    [HEADERS.deadLetter.error]: error.message.slice(0, 1000),
    [HEADERS.deadLetter.originalTopic]: topic,
    [HEADERS.deadLetter.originalPartition]: String(partition),
    [HEADERS.deadLetter.originalOffset]: message.offset,
    [HEADERS.deadLetter.group]: group,
    [HEADERS.deadLetter.attempts]: String(attempts),
  };
  return { event, headers: deadLetterHeaders };
};
