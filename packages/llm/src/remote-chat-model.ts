// The ChatModel shell both remote adapters (OpenAI, Anthropic) share: what they differ in is the
// request body, the SDK call, how its events read and how its errors map.
import { countBpeTokens } from './bpe-tokens.js';
import type { ChatGenerationRequest, ChatModel } from './chat-model.js';
import { remoteStream, type RemoteStreamOptions } from './remote-stream.js';
import { closedStream } from './stream-errors.js';

/** What an adapter supplies for one request: the SDK call, its events read into text and state, its errors. */
export type RemoteRequest<Event> = Pick<RemoteStreamOptions<Event>, 'open' | 'read' | 'toFailure'>;

export interface RemoteChatModelOptions {
  readonly provider: string;
  readonly model: string;
  readonly contextTokens: number;
  readonly firstTokenTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

/**
 * A remote provider's ChatModel: each `stream` runs `remoteStream` over what `prepare(request)`
 * builds (called when `stream` is), tokens are counted with the BPE estimate, and after `close`
 * every stream fails at once.
 */
export const remoteChatModel = <Event>(
  { provider, model, contextTokens, firstTokenTimeoutMs, idleTimeoutMs }: RemoteChatModelOptions,
  prepare: (request: ChatGenerationRequest) => RemoteRequest<Event>,
): ChatModel => {
  let closed = false;
  return {
    provider,
    model,
    contextTokens,
    countTokens: countBpeTokens,
    stream: (request) => (closed ? closedStream(provider) : remoteStream({ provider, request, firstTokenTimeoutMs, idleTimeoutMs, ...prepare(request) })),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
};
