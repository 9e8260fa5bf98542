import type { ChatStreamEvent } from './chat-model.js';
import { ProviderError } from './provider-error.js';

/** The error a stream throws when the caller's signal fired: named AbortError (see isAbortError), the signal's reason as cause. */
export const abortError = (signal: AbortSignal): Error => {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const error = new Error('the generation was aborted', { cause: reason });
  error.name = 'AbortError';
  return error;
};

/** What `stream` returns after `close`: an iterator that fails at once. */
export const closedStream = (provider: string): AsyncIterable<ChatStreamEvent> => ({
  [Symbol.asyncIterator]: () => ({
    next: () => Promise.reject(new ProviderError({ provider, code: 'internal', message: `${provider}: stream after close`, retryable: false })),
  }),
});
