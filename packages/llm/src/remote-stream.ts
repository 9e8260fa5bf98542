// The part of a remote adapter's `stream` that does not depend on the provider: timeouts,
// abort, error mapping, usage with an estimate as fallback, and the final `end` event.
import { abortError } from './stream-errors.js';
import type { ChatGenerationRequest, ChatStreamEvent, FinishReason } from './chat-model.js';
import { estimateTokens } from './estimate-tokens.js';
import { ProviderError } from './provider-error.js';
import { streamFailure, type UpstreamFailure } from './remote-errors.js';
import { createStreamWatchdog } from './stream-watchdog.js';

/** What `read` learns from the provider's events besides text. */
export interface RemoteStreamState {
  finishReason?: FinishReason;
  inputTokens?: number;
  outputTokens?: number;
}

export interface RemoteStreamOptions<Event> {
  readonly provider: string;
  readonly request: ChatGenerationRequest;
  readonly firstTokenTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Sends the request with `signal` (which the watchdog aborts on a stall) and returns the SDK's event stream. */
  readonly open: (signal: AbortSignal) => Promise<AsyncIterable<Event>>;
  /** Reads one event into `state`; returns the output text it carries, if any. */
  readonly read: (event: Event, state: RemoteStreamState) => string | undefined;
  /** The SDK's APIError as an UpstreamFailure; undefined for other errors. */
  readonly toFailure: (error: unknown) => UpstreamFailure | undefined;
}

export async function* remoteStream<Event>(options: RemoteStreamOptions<Event>): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const { provider, request, open, read, toFailure } = options;
  const { signal } = request;
  if (signal.aborted) throw abortError(signal);
  const watchdog = createStreamWatchdog({ signal, firstTokenTimeoutMs: options.firstTokenTimeoutMs, idleTimeoutMs: options.idleTimeoutMs });
  const state: RemoteStreamState = {};
  let output = '';
  try {
    // Leaving this loop early (the consumer's return, an error) makes the SDK abort the request.
    for await (const event of await open(watchdog.signal)) {
      const text = read(event, state);
      watchdog.chunk(Boolean(text));
      if (!text) continue;
      output += text;
      watchdog.pause();
      yield { type: 'delta', text };
      watchdog.resume();
    }
  } catch (error) {
    throw streamFailure(provider, error, { signal, watchdog, toFailure });
  } finally {
    watchdog.dispose();
  }
  // Both SDKs end the iteration quietly when the request is aborted, so an abort or a stall shows here.
  if (signal.aborted || watchdog.stalled !== undefined) throw streamFailure(provider, undefined, { signal, watchdog, toFailure });
  if (state.finishReason === undefined) {
    throw new ProviderError({ provider, code: 'provider_unavailable', message: `${provider}: the stream ended before the model finished`, retryable: true });
  }
  const inputText = request.messages.map((message) => message.content).join('\n');
  yield {
    type: 'end',
    finishReason: state.finishReason,
    usage: { inputTokens: state.inputTokens ?? estimateTokens(inputText), outputTokens: state.outputTokens ?? estimateTokens(output) },
  };
}

/** Checks the options every remote adapter shares, once at construction. */
export const checkRemoteOptions = (adapter: string, options: { model: string; contextTokens: number; firstTokenTimeoutMs: number; idleTimeoutMs: number; baseURL?: string | undefined }): void => {
  if (!options.model) throw new TypeError(`${adapter}: model is required`);
  for (const name of ['contextTokens', 'firstTokenTimeoutMs', 'idleTimeoutMs'] as const) {
    const value = options[name];
    if (!Number.isInteger(value) || value < 1) throw new TypeError(`${adapter}: ${name} must be a positive whole number, got ${value}`);
  }
  if (options.baseURL !== undefined && !URL.canParse(options.baseURL)) throw new TypeError(`${adapter}: baseURL ${JSON.stringify(options.baseURL)} is not a URL`);
};
