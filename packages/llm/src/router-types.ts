// The model router's contract: what a request gives and what its stream yields.
import type { AutoChoice, AutoContext } from './auto-policy.js';
import type { ChatMessage, ChatModel, ChatUsage, FinishReason } from './chat-model.js';
import type { BreakerStore } from './circuit-breaker.js';
import type { RouterConfig, RouterDeployment } from './router-config.js';
import type { FailoverInfo } from './router-observer.js';

export interface RouterRequest {
  /** A router model name (a key of `models`), `auto`, or absent for `defaultModel`. */
  readonly model?: string | undefined;
  /** The whole prompt, oldest first. */
  readonly messages: readonly ChatMessage[];
  /** Upper bound on the answer's tokens, across continuations. */
  readonly maxOutputTokens?: number | undefined;
  readonly temperature?: number | undefined;
  /** Aborting stops the current upstream call; the stream then throws a RouterAbortError (named AbortError). */
  readonly signal: AbortSignal;
  /** Epoch ms after which the router does not wait out a Retry-After. */
  readonly deadline?: number | undefined;
  /** What `auto` decides on. */
  readonly autoContext?: AutoContext | undefined;
  /** Whose request it is: deployments that queue (the local model, `maxConcurrent`) serve tenants in turn. */
  readonly tenant?: string | undefined;
}

export interface RouterEnd {
  readonly type: 'end';
  readonly finishReason: FinishReason;
  /** Summed over every attempt (failed attempts that produced text included, estimated). */
  readonly usage: ChatUsage;
  /** The provider's model id that finished the answer. */
  readonly model: string;
  readonly provider: string;
  /** The deployment that finished the answer. */
  readonly deployment: string;
  /** The router model that served (what `auto` chose). */
  readonly routerModel: string;
  /** Deployments that produced the answer, in order (more than one after a mid-stream failover); a fresh array the caller owns. */
  readonly servedBy: string[];
  /** From the deployments' prices; null when a deployment that used tokens has none. */
  readonly costUsd: number | null;
}

/**
 * Zero or more deltas, `failover` markers between them when the router changes deployment
 * (after output, the next deployment continues the answer: the deltas read as one text), and
 * exactly one `end` last. Failures are thrown: RouterError (a ProviderError) or RouterAbortError.
 */
export type RouterStreamEvent =
  | { readonly type: 'delta'; readonly text: string }
  | ({ readonly type: 'failover' } & FailoverInfo)
  | RouterEnd;

export interface ModelRouter {
  readonly config: RouterConfig;
  /** Every deployment of every router model. */
  readonly deployments: readonly RouterDeployment[];
  /** The breakers as the router sees them (changes reported to the observer). */
  readonly breakers: BreakerStore;
  stream(request: RouterRequest): AsyncIterable<RouterStreamEvent>;
  /** The router model a request goes to (`auto` resolved, with why). Throws ProviderError invalid_request for an unknown name. */
  resolveModel(request: Pick<RouterRequest, 'model' | 'messages' | 'autoContext'>): { readonly model: string; readonly auto?: AutoChoice };
  /** The smallest context window among a router model's deployments: a prompt budgeted to it fits any of them. */
  contextTokens(routerModel: string): number;
  /** The most prompt tokens a request to `routerModel` may have: the smallest of its deployments' caps (a context window where there is no cap). */
  maxPromptTokens(routerModel: string): number;
  /** Tokens of `text` by the tokenizer of `routerModel`'s first deployment (the local model's own; o200k BPE for remote ones); without a model, o200k BPE. */
  countTokens(text: string, routerModel?: string): number;
  /** The adapter of one deployment (the health check probes through it). */
  chatModel(deployment: string): ChatModel;
  /** Closes the adapters the router built (not the local model: its owner closes it). */
  close(): Promise<void>;
}
