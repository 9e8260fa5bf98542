// One attempt of a routed request: stream from one deployment, pass its text on, and say how it ended.
import type { ChatGenerationRequest, ChatModel, ChatStreamEvent, ChatUsage } from './chat-model.js';
import { ProviderError, isAbortError } from './provider-error.js';
import type { RouterDeployment } from './router-config.js';
import type { RouterObserver } from './router-observer.js';
import { abortError } from './stream-errors.js';

type ChatEnd = Extract<ChatStreamEvent, { type: 'end' }>;

export type AttemptResult =
  | { readonly kind: 'ok'; readonly end: ChatEnd; readonly text: string; readonly usage: ChatUsage }
  | { readonly kind: 'error'; readonly error: ProviderError; readonly text: string; readonly usage: ChatUsage }
  | { readonly kind: 'aborted'; readonly error: Error; readonly text: string; readonly usage: ChatUsage };

export interface AttemptOptions {
  readonly deployment: RouterDeployment;
  readonly model: ChatModel;
  readonly request: ChatGenerationRequest;
  readonly continuation: boolean;
  readonly stripLeadingWhitespace: boolean;
  readonly observer: RouterObserver;
  readonly now: () => number;
}

const classify = (error: unknown, model: ChatModel, signal: AbortSignal): { kind: 'error'; error: ProviderError } | { kind: 'aborted'; error: Error } => {
  if (signal.aborted) return { kind: 'aborted', error: isAbortError(error) ? (error as Error) : abortError(signal) };
  if (error instanceof ProviderError) return { kind: 'error', error };
  const message = `${model.provider}: ${error instanceof Error ? error.message : String(error)}`;
  return { kind: 'error', error: new ProviderError({ provider: model.provider, code: 'internal', message, retryable: false, cause: error }) };
};

/**
 * Yields the attempt's deltas and returns how it ended. Never throws for the deployment's
 * failures (they are results); a consumer that stops reading ends the upstream call (reported aborted).
 */
export async function* runAttempt(options: AttemptOptions): AsyncGenerator<{ type: 'delta'; text: string }, AttemptResult, undefined> {
  const { deployment, model, request, observer, now } = options;
  const labels = { deployment: deployment.name, model: model.model, provider: model.provider };
  observer.onAttempt?.({ ...labels, continuation: options.continuation });
  const started = now();
  let firstTokenAt: number | undefined;
  let text = '';
  let result: AttemptResult | undefined;
  // A failed attempt's usage is estimated from what was sent and produced; one that produced nothing counts nothing.
  const estimate = (): ChatUsage => text === '' ? { inputTokens: 0, outputTokens: 0 }
    : { inputTokens: model.countTokens(request.messages.map((message) => message.content).join('\n')), outputTokens: model.countTokens(text) };
  try {
    let end: ChatEnd | undefined;
    for await (const event of model.stream(request)) {
      if (event.type === 'end') {
        end = event;
        continue;
      }
      const piece = options.stripLeadingWhitespace && text === '' ? event.text.trimStart() : event.text;
      if (piece === '') continue;
      text += piece;
      firstTokenAt ??= now();
      yield { type: 'delta', text: piece };
    }
    if (end === undefined) throw new ProviderError({ provider: model.provider, code: 'provider_unavailable', message: `${model.provider}: the stream ended without finishing`, retryable: true });
    result = { kind: 'ok', end, text, usage: end.usage };
  } catch (error) {
    result = { ...classify(error, model, request.signal), text, usage: estimate() };
  } finally {
    const ended = result ?? { kind: 'aborted', usage: estimate() };
    observer.onAttemptEnd?.({
      ...labels,
      outcome: ended.kind === 'ok' ? 'ok' : ended.kind,
      errorCode: ended.kind === 'error' ? ended.error.code : undefined,
      durationMs: now() - started,
      timeToFirstTokenMs: firstTokenAt === undefined ? undefined : firstTokenAt - started,
      inputTokens: ended.usage.inputTokens,
      outputTokens: ended.usage.outputTokens,
    });
  }
  return result;
}
