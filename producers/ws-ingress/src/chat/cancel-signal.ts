// Cancellation to the generation workers, over Redis (contract in @rivulet/schemas values.ts):
// the key covers a worker that has not started the request yet, the message one that streams it.
import type { Redis } from 'ioredis';
import { CHAT_CANCEL_CHANNEL, CHAT_CANCEL_TTL_MS, chatCancelKey } from '@rivulet/schemas';
import type { CancelSignal } from './chat-service.js';

export const redisCancelSignal = (redis: Redis, prefix: string): CancelSignal => ({
  cancel: async (requestId) => {
    await redis.set(prefix + chatCancelKey(requestId), '1', 'PX', CHAT_CANCEL_TTL_MS);
    await redis.publish(prefix + CHAT_CANCEL_CHANNEL, requestId);
  },
});
