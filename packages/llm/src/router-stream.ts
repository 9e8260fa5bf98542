// One routed request: deployments in order, failover before or during output, Retry-After waits.
import { setTimeout as delay } from 'node:timers/promises';
import type { ChatModel } from './chat-model.js';
import type { BreakerStore } from './circuit-breaker.js';
import { continuationOf } from './continuation.js';
import { orderDeployments } from './deployment-order.js';
import { createTally } from './router-accounting.js';
import { runAttempt } from './router-attempt.js';
import type { RouterConfig, RouterDeployment } from './router-config.js';
import { RouterAbortError, RouterError } from './router-error.js';
import type { FailoverInfo, RouterObserver } from './router-observer.js';
import type { RouterRequest, RouterStreamEvent } from './router-types.js';
import { abortError } from './stream-errors.js';

export interface RouteContext {
  readonly config: RouterConfig;
  readonly models: ReadonlyMap<string, ChatModel>;
  readonly breakers: BreakerStore;
  readonly observer: RouterObserver;
  /** Deployment name -> epoch ms until which a 429's Retry-After asks us to stay away (shared by the process's requests). */
  readonly cooling: Map<string, number>;
  readonly random: () => number;
  readonly now: () => number;
}

/** May the request go to `deployment`, as far as its breaker is concerned? */
const admitted = async (breakers: BreakerStore, deployment: RouterDeployment, now: number): Promise<boolean> => {
  const { state } = await breakers.state(deployment.name, now);
  if (state === 'closed') return true;
  return state === 'half_open' && breakers.tryAcquireProbe(deployment.name, now);
};

export async function* routeStream(context: RouteContext, request: RouterRequest, routerModel: string): AsyncGenerator<RouterStreamEvent, void, undefined> {
  const { config, models, breakers, observer, cooling, now } = context;
  const { signal } = request;
  const tally = createTally();
  const queue = orderDeployments(config.models[routerModel]?.deployments ?? [], context.random);
  const rateLimited = new Set<RouterDeployment>();
  // Each deployment's Retry-After is waited out at most once per request (a 429 with Retry-After: 0 cannot loop).
  const waitedFor = new Set<RouterDeployment>();
  const pending: Omit<FailoverInfo, 'to'>[] = [];
  let text = '';
  let outputTokens = 0;
  let waitedMs = 0;
  let last: { deployment: RouterDeployment; model: ChatModel } | undefined;
  let lastError: unknown;
  // Whether trying again later could help: false when every deployment failed for good (e.g. all refused the key).
  let retryable = false;
  const leave = (deployment: RouterDeployment, reason: FailoverInfo['reason']) => pending.push({ from: deployment.name, reason, afterOutput: text !== '' });
  const aborted = (cause: unknown = abortError(signal)) => new RouterAbortError(cause, tally.accounting());
  // The soonest cooling deployment this request met, when waiting for it fits the budget and the deadline.
  const coolingRetry = (): { deployment: RouterDeployment; waitMs: number } | undefined => {
    const at = now();
    const soonest = [...rateLimited].filter((deployment) => !waitedFor.has(deployment)).map((deployment) => ({ deployment, waitMs: Math.max(0, (cooling.get(deployment.name) ?? at) - at) })).sort((left, right) => left.waitMs - right.waitMs)[0];
    if (!soonest || soonest.waitMs > config.retry.maxRetryAfterMs - waitedMs) return undefined;
    if (request.deadline !== undefined && at + soonest.waitMs >= request.deadline) return undefined;
    return soonest;
  };
  const exhausted = () => {
    const at = now();
    const waits = [...rateLimited].map((deployment) => (cooling.get(deployment.name) ?? at) - at).filter((wait) => wait > 0);
    return new RouterError({
      code: 'provider_unavailable',
      message: `every deployment of ${routerModel} failed: ${tally.summary()}`,
      retryable,
      retryAfterMs: waits.length > 0 ? Math.min(...waits) : undefined,
      cause: lastError,
      accounting: tally.accounting(),
    });
  };
  const endEvent = (served: { deployment: RouterDeployment; model: ChatModel }, finishReason: 'stop' | 'length'): RouterStreamEvent => {
    const { usage, servedBy, costUsd } = tally.accounting();
    return { type: 'end', finishReason, usage, model: served.model.model, provider: served.model.provider, deployment: served.deployment.name, routerModel, servedBy, costUsd };
  };

  if (signal.aborted) throw aborted();
  for (;;) {
    const deployment = queue.shift();
    if (deployment === undefined) {
      const retry = coolingRetry();
      if (!retry) throw exhausted();
      try {
        await delay(retry.waitMs, undefined, { signal });
      } catch {
        throw aborted();
      }
      waitedMs += retry.waitMs;
      waitedFor.add(retry.deployment);
      rateLimited.delete(retry.deployment);
      cooling.delete(retry.deployment.name);
      queue.push(retry.deployment);
      continue;
    }
    const coolingUntil = cooling.get(deployment.name);
    if (coolingUntil !== undefined && coolingUntil > now()) {
      rateLimited.add(deployment);
      retryable = true;
      tally.skip(deployment, 'rate_limited', `Retry-After for ${coolingUntil - now()} ms more`);
      leave(deployment, 'rate_limited');
      continue;
    }
    if (!(await admitted(breakers, deployment, now()))) {
      retryable = true;
      tally.skip(deployment, 'circuit_open', 'breaker open');
      leave(deployment, 'circuit_open');
      continue;
    }
    if (signal.aborted) throw aborted();
    let maxOutputTokens = request.maxOutputTokens;
    if (maxOutputTokens !== undefined && last !== undefined && text !== '') {
      // What is left of the allowance. The failed part's count is an estimate, so even when it seems
      // spent the next deployment is asked for a token: the end then comes from a provider that
      // finished (by its limit), never from the router guessing that a cut answer was complete.
      maxOutputTokens = Math.max(1, maxOutputTokens - outputTokens);
    }
    for (const marker of pending.splice(0)) {
      const failover = { ...marker, to: deployment.name };
      observer.onFailover?.(failover);
      yield { type: 'failover', ...failover };
    }
    const model = models.get(deployment.name)!;
    const continuation = continuationOf(request.messages, text, deployment.provider);
    const result = yield* runAttempt({
      deployment, model, observer, now,
      request: { messages: continuation.messages, maxOutputTokens, temperature: request.temperature, signal, tenant: request.tenant },
      continuation: text !== '',
      stripLeadingWhitespace: continuation.stripLeadingWhitespace,
    });
    text += result.text;
    last = { deployment, model };
    if (result.kind === 'aborted') {
      tally.attempt(deployment, { outcome: 'aborted', usage: result.usage }, result.text !== '');
      throw aborted(result.error);
    }
    if (result.kind === 'ok') {
      tally.attempt(deployment, { outcome: 'ok', usage: result.usage }, true);
      await breakers.record(deployment.name, 'success', now());
      yield endEvent(last, result.end.finishReason);
      return;
    }
    const { error } = result;
    lastError = error;
    outputTokens += result.usage.outputTokens;
    tally.attempt(deployment, { outcome: 'error', reason: error.code, message: error.message, usage: result.usage }, result.text !== '');
    if (error.code === 'invalid_request') {
      throw new RouterError({ code: 'invalid_request', message: `${deployment.name} refused the request: ${error.message}`, retryable: false, cause: error, accounting: tally.accounting() });
    }
    if (error.retryable) retryable = true;
    await breakers.record(deployment.name, 'failure', now());
    if (error.code === 'rate_limited' && error.retryAfterMs !== undefined) {
      cooling.set(deployment.name, now() + error.retryAfterMs);
      rateLimited.add(deployment);
    }
    leave(deployment, error.code);
  }
}
