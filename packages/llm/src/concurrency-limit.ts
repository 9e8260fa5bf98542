// A remote deployment's `maxConcurrent`: at most that many of its requests in flight from this process.
import type { ChatModel, ChatStreamEvent, ChatGenerationRequest } from './chat-model.js';
import { createPool } from './fair-pool.js';

/**
 * The same model with at most `maxConcurrent` streams at once. A request waits for a slot (its
 * signal still aborts the wait), waiting tenants are served in turn (fair-pool.ts), and the slot
 * is given back when the stream ends, fails or its reader stops.
 */
export const limitConcurrency = (model: ChatModel, maxConcurrent: number): ChatModel => {
  const slots = createPool(Array.from({ length: maxConcurrent }, (_, index) => index));
  async function* stream(request: ChatGenerationRequest): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const slot = await slots.acquire(request.signal, request.tenant);
    try {
      yield* model.stream(request);
    } finally {
      slots.release(slot);
    }
  }
  return {
    provider: model.provider,
    model: model.model,
    contextTokens: model.contextTokens,
    maxPromptTokens: model.maxPromptTokens,
    countTokens: (text) => model.countTokens(text),
    stream,
    close: () => model.close(),
  };
};
