import { randomUUID } from 'node:crypto';
import { EVENT_TYPES } from '@rivulet/schemas';
import type { EventCatalog, EventEnvelope } from '../../src/index.js';

export interface ThingPayload {
  thingId: string;
  sequence: number;
}

export type TestEvents = {
  'thing-created': EventEnvelope<ThingPayload>;
  'thing-processed': EventEnvelope<ThingPayload & { processedBy: string }>;
  'event-dead-lettered': EventEnvelope<Record<string, unknown>>;
};

const envelope = (name: string, namespace: string, payloadFields: object[]): object => ({
  type: 'record',
  name,
  namespace,
  fields: [
    { name: 'eventId', type: 'string' },
    { name: 'tenantId', type: 'string' },
    { name: 'correlationId', type: 'string' },
    { name: 'occurredAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'payload', type: { type: 'record', name: `${name}Payload`, fields: payloadFields } },
  ],
});

/**
 * Test events in a namespace of their own, so each test has its own registry subjects;
 * the dead-letter envelope is Rivulet's real one.
 */
export const testCatalog = (namespace: string): EventCatalog<keyof TestEvents> => {
  const thing = [
    { name: 'thingId', type: 'string' },
    { name: 'sequence', type: 'int' },
  ];
  return {
    'thing-created': { subject: `${namespace}.ThingCreated`, schema: envelope('ThingCreated', namespace, thing) },
    'thing-processed': { subject: `${namespace}.ThingProcessed`, schema: envelope('ThingProcessed', namespace, [...thing, { name: 'processedBy', type: 'string' }]) },
    'event-dead-lettered': EVENT_TYPES['event-dead-lettered'],
  };
};

export const thingCreated = (sequence: number, thingId = `thing-${sequence}`): TestEvents['thing-created'] => ({
  eventId: randomUUID(),
  tenantId: 'tenant-a',
  correlationId: `request-${sequence}`,
  occurredAt: Date.now(),
  payload: { thingId, sequence },
});
