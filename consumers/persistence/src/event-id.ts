import { createHash } from 'node:crypto';

/** The namespace of the ids the persistence worker derives (a random UUID, fixed forever). */
export const PERSISTENCE_NAMESPACE = '31d36408-8b2a-498b-a272-f29f9d85755f';

/**
 * A name-based UUID (RFC 9562 version 5: SHA-1 of namespace and name). The same name always gives
 * the same id, so an event published again after a redelivery carries the eventId it had the first
 * time, and idempotent sinks keyed on eventId see one event.
 */
export const nameBasedUuid = (name: string, namespace: string = PERSISTENCE_NAMESPACE): string => {
  const namespaceBytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (namespaceBytes.length !== 16) throw new TypeError(`nameBasedUuid(): namespace ${namespace} is not a UUID`);
  const bytes = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
