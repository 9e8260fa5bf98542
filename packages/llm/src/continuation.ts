// The prompt that makes another deployment continue an answer a failed one had started.
import type { ChatMessage } from './chat-model.js';
import type { RouterProvider } from './router-config-schema.js';

/** Sent after the partial answer to providers without assistant prefill. */
export const CONTINUE_INSTRUCTION =
  'Your previous answer was cut off. Continue it exactly where it stopped: do not repeat anything already written, add no preamble, and start with the very next characters.';

export interface Continuation {
  readonly messages: readonly ChatMessage[];
  /**
   * The partial answer ended in whitespace, which the prefill leaves out (Anthropic refuses a
   * final assistant turn ending in whitespace): drop whitespace at the start of the continuation,
   * since the caller already has it.
   */
  readonly stripLeadingWhitespace: boolean;
}

/**
 * The messages for the next attempt. Without a partial answer, the original ones. With one: for
 * Anthropic, the partial answer as a final assistant turn, which the Messages API continues
 * (prefill); for the others, the partial answer as an assistant turn and then a user turn asking
 * to continue it.
 */
export const continuationOf = (messages: readonly ChatMessage[], partial: string, provider: RouterProvider): Continuation => {
  const prefix = partial.trimEnd();
  const stripLeadingWhitespace = prefix.length !== partial.length;
  if (prefix === '') return { messages, stripLeadingWhitespace };
  const answer: ChatMessage = { role: 'assistant', content: prefix };
  if (provider === 'anthropic') return { messages: [...messages, answer], stripLeadingWhitespace };
  return { messages: [...messages, answer, { role: 'user', content: CONTINUE_INSTRUCTION }], stripLeadingWhitespace };
};
