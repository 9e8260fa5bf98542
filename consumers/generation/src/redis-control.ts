// Cancellation and attempt markers over Redis (the contract is in @rivulet/schemas values.ts).
import { Redis } from 'ioredis';
import { CHAT_CANCEL_CHANNEL, chatAttemptKey, chatCancelKey } from '@rivulet/schemas';
import type { AttemptRegistry, CancellationSource, CancellationWatch } from './handler.js';

const ATTEMPT_TTL_MS = 60 * 60 * 1000;

export interface RedisControl extends CancellationSource, AttemptRegistry {
  /** Resolves once the cancel channel subscription is live. */
  start(): Promise<void>;
  stop(): Promise<void>;
  ping(): Promise<void>;
}

/**
 * One subscriber connection per process listens on the cancel channel and aborts the matching
 * in-flight generations; a command connection checks for cancellations that came earlier.
 */
export const createRedisControl = ({ url, prefix = '' }: { url: string; prefix?: string }): RedisControl => {
  const commands = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const subscriber = new Redis(url, { lazyConnect: true });
  // ioredis reconnects by itself; without listeners it prints every failed attempt to stderr.
  for (const connection of [commands, subscriber]) connection.on('error', () => undefined);
  const channel = prefix + CHAT_CANCEL_CHANNEL;
  const watching = new Map<string, Set<AbortController>>();

  subscriber.on('message', (_channel: string, requestId: string) => {
    for (const controller of watching.get(requestId) ?? []) controller.abort(new Error('cancelled by the client'));
  });

  return {
    start: async () => {
      await commands.connect();
      await subscriber.connect();
      await subscriber.subscribe(channel);
    },
    stop: async () => {
      subscriber.disconnect();
      commands.disconnect();
      await Promise.resolve();
    },
    ping: async () => {
      await commands.ping();
    },
    watch: async (requestId): Promise<CancellationWatch> => {
      const controller = new AbortController();
      const set = watching.get(requestId) ?? new Set<AbortController>();
      set.add(controller);
      watching.set(requestId, set);
      // Subscribed first, then checked: a cancel between the two is seen by one or the other.
      if ((await commands.exists(prefix + chatCancelKey(requestId))) === 1) controller.abort(new Error('cancelled by the client'));
      return {
        signal: controller.signal,
        release: () => {
          set.delete(controller);
          if (set.size === 0) watching.delete(requestId);
        },
      };
    },
    begin: async (requestId, attemptId) => {
      const result = await commands.set(prefix + chatAttemptKey(requestId), attemptId, 'PX', ATTEMPT_TTL_MS, 'NX');
      return result === 'OK';
    },
  };
};
