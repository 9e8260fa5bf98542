import type { EventMap } from '../catalog.js';
import type { InputRecord, MessageProcessorOptions } from './record.js';

/** How long after it happened the event reached this stage; for chat events, also since the ingress accepted the request. */
export const recordLatency = <Events extends EventMap>({ group, instrumentation }: MessageProcessorOptions<Events>, { topic }: InputRecord, value: unknown): void => {
  const occurredAt = (value as { occurredAt?: unknown }).occurredAt;
  if (typeof occurredAt === 'number') instrumentation.stageLatency({ group, topic, seconds: Math.max(0, (Date.now() - occurredAt) / 1000) });
  // Chat events carry their request, stamped when the ingress accepted it: the latency from the ingress to this stage.
  const acceptedAt = (value as { payload?: { request?: { acceptedAt?: unknown } } }).payload?.request?.acceptedAt;
  if (typeof acceptedAt === 'number') instrumentation.sinceAccepted?.({ group, topic, seconds: Math.max(0, (Date.now() - acceptedAt) / 1000) });
};
