// context-retrieved in; reply-delta (streamed while the model generates), reply-end and
// usage-recorded out. The model router picks and fails over between deployments; the budget is
// reserved before any provider is called and settled with what was really used.
import { randomUUID } from 'node:crypto';
import { traceIdOf, type Handler, type HandlerContext } from '@rivulet/kafka';
import { isAbortError, ProviderError, RouterError, type ChatMessage, type ModelRouter, type RouterAccounting } from '@rivulet/llm';
import type { ContextRetrieved, EventRecords, Source } from '@rivulet/schemas';
import { BudgetError, type BudgetDecision, type BudgetReservation, type BudgetRequest, type BudgetSettlement } from './budget/index.js';
import type { DeltaPublisher } from './delta-publisher.js';
import { createReplyOutputs, type Ending } from './outputs.js';
import { buildPrompt } from './prompt.js';

/** What the handler needs of the model router. */
export type ChatRouter = Pick<ModelRouter, 'stream' | 'resolveModel' | 'contextTokens' | 'maxPromptTokens' | 'countTokens' | 'config'>;

/** Earlier turns of a conversation, oldest first, excluding the request being answered. */
export interface HistorySource {
  load(request: { tenantId: string; conversationId: string; requestId: string; acceptedAt: number }): Promise<ChatMessage[]>;
}

export interface CancellationWatch {
  readonly signal: AbortSignal;
  release(): void;
}

/** Cancellations from the ingress (PROTOCOL.md `cancel`). */
export interface CancellationSource {
  /** Resolves once it has checked for a cancellation that came before the watch began. */
  watch(requestId: string): Promise<CancellationWatch>;
}

/** Marks generation attempts, so a regeneration after a crash is announced to the client. */
export interface AttemptRegistry {
  /** True when no earlier attempt at this request is known. */
  begin(requestId: string, attemptId: string): Promise<boolean>;
}

/** Token budgets (budget/budget-policy.ts): reserve before the provider, settle after. */
export interface BudgetGate {
  reserve(request: BudgetRequest): Promise<BudgetDecision>;
  settle(reservation: BudgetReservation, actualTokens: number): Promise<BudgetSettlement>;
  /** What `auto` routing weighs: the tenant's tier and the share of its budget left (null: no budget or unknown). */
  standing(tenantId: string, apiKeyId: string | null): Promise<{ tier: string | null; ratio: number | null }>;
}

/** Side effects a handler reports for metrics and logs (bound in main.ts). */
export interface GenerationObserver {
  /** A generation began; call the returned function when it ended. */
  started(): () => void;
  /** Settling a reservation failed: the hold lapses uncharged. `traceId`: the request's trace, for the log line. */
  settleFailed(requestId: string, error: unknown, traceId?: string): void;
  /** The budget standing could not be read for `auto`: routed as if no budget applied. */
  standingFailed(requestId: string, error: unknown, traceId?: string): void;
  /** Every deployment failed (or refused the request): what each did, for the log. */
  providerFailed(requestId: string, error: RouterError, traceId?: string): void;
}

export interface GenerationDependencies {
  router: ChatRouter;
  budget: BudgetGate;
  history: HistorySource;
  cancellation: CancellationSource;
  attempts: AttemptRegistry;
  deltas: DeltaPublisher;
  /** Tokens kept for the answer when the request names no limit. */
  defaultMaxOutputTokens: number;
  /** The most of the prompt that earlier turns may take. */
  historyTokenBudget: number;
  observer?: GenerationObserver;
  now?: () => number;
}

type Standing = { tier: string | null; ratio: number | null };
const NO_STANDING: Standing = { tier: null, ratio: null };
type Planned = { ok: true; routerModel: string; maxOutputTokens: number; prompt: ReturnType<typeof buildPrompt> };
type Plan = Planned | { ok: false; error: NonNullable<Ending['error']> };
type Reserved = { decision: BudgetDecision } | { error: unknown };

const silentObserver: GenerationObserver = {
  started: () => () => undefined, settleFailed: () => undefined, standingFailed: () => undefined, providerFailed: () => undefined,
};

const asSource = (chunk: { documentId: string; chunkId: string; title: string | null; score: number; snippet: string }, index: number): Source => ({
  n: index + 1, documentId: chunk.documentId, chunkId: chunk.chunkId, title: chunk.title, score: chunk.score, snippet: chunk.snippet,
});

const accountingOf = (error: unknown): RouterAccounting | undefined =>
  error !== null && typeof error === 'object' && 'usage' in error && 'servedBy' in error ? (error as RouterAccounting) : undefined;

const providerErrorDetail = (error: ProviderError): NonNullable<Ending['error']> => ({
  code: error.code === 'invalid_request' ? 'invalid_request' : error.code === 'timeout' ? 'timeout' : 'provider_unavailable',
  message: error.message, retryable: error.retryable, retryAfterMs: error.retryAfterMs ?? null,
});

/** A question that alone takes more than the prompt may: refused before any budget or model is touched. */
const promptTooLong = (routerModel: string, tokens: number, budget: number): NonNullable<Ending['error']> => ({
  code: 'payload_too_large', retryable: false, retryAfterMs: null,
  message: `The question takes about ${tokens} prompt tokens; model ${routerModel} accepts at most ${budget} here (its prompt limit, or its context window less the answer's room). Shorten it, or send the text as a document and ask about it.`,
});

export const createGenerationHandler = (dependencies: GenerationDependencies): Handler<EventRecords, 'context-retrieved', 'reply-end' | 'usage-recorded'> => {
  const { router, budget, history, cancellation, attempts, deltas, defaultMaxOutputTokens, historyTokenBudget, observer = silentObserver, now = Date.now } = dependencies;

  return async (event: ContextRetrieved, context: HandlerContext<'context-retrieved', EventRecords>) => {
    const { request, chunks } = event.payload;
    if (request.kind !== 'chat') return [];
    // The ingress has already answered `timeout`: spend nothing on it.
    if (now() >= request.deadlineAt) return [];

    const attemptId = randomUUID();
    const apiKeyId = request.apiKeyId === '' ? null : request.apiKeyId;
    const outputs = createReplyOutputs({ event, attemptId, now });

    /** The router model, the prompt and its sources; or the ending when the model is refused. */
    const plan = (turns: ChatMessage[], standing: Standing): Plan => {
      let routerModel: string;
      try {
        routerModel = router.resolveModel({
          model: request.model, messages: [{ role: 'user', content: request.message }],
          autoContext: { tenantTier: standing.tier, budgetRemainingRatio: standing.ratio },
        }).model;
      } catch (error) {
        if (error instanceof ProviderError) return { ok: false, error: providerErrorDetail(error) };
        throw error;
      }
      const contextTokens = router.contextTokens(routerModel);
      const maxOutputTokens = Math.min(request.maxOutputTokens ?? defaultMaxOutputTokens, Math.floor(contextTokens / 2));
      const promptTokenBudget = Math.min(contextTokens - maxOutputTokens, router.maxPromptTokens(routerModel));
      const prompt = buildPrompt({
        question: request.message, chunks, rag: request.rag, history: turns, countTokens: (text) => router.countTokens(text, routerModel),
        promptTokenBudget, historyTokenBudget,
      });
      // Sources and turns are only added while they fit: over the budget means the question alone is too long.
      if (prompt.tokens > promptTokenBudget) return { ok: false, error: promptTooLong(routerModel, prompt.tokens, promptTokenBudget) };
      return { ok: true, routerModel, maxOutputTokens, prompt };
    };
    // Reserve before any provider is called: the prompt as counted plus the most the answer may take. Never rejects.
    const reserve = ({ routerModel, prompt, maxOutputTokens }: Planned): Promise<Reserved> => budget.reserve({
      requestId: request.requestId, attemptId, tenantId: event.tenantId, apiKeyId, model: routerModel, estimateTokens: prompt.tokens + maxOutputTokens,
    }).then((decision) => ({ decision }), (error: unknown) => ({ error }));

    // Earlier turns known without a round trip: in the request, or none for a conversation the ingress created for it.
    const knownTurns: ChatMessage[] | undefined = request.history.length > 0
      ? request.history.map(({ role, content: text }) => ({ role: role as ChatMessage['role'], content: text }))
      : request.newConversation ? [] : undefined;
    // Only an `auto` policy weighs the budget and the tier: without one, no round trip for them.
    const weighsStanding = request.model === 'auto' && router.config.auto !== undefined;
    // Independent round trips, at once: the attempt marker, the cancel check, the history, the budget standing for `auto`.
    // The two Redis calls leave first; the prompt is planned while they are out.
    const watching = cancellation.watch(request.requestId);
    const marking = attempts.begin(request.requestId, attemptId);
    // Awaited below; until then a rejection must not count as unhandled (planning may throw first).
    marking.catch(() => undefined);
    let earlyReserve: Promise<Reserved> | undefined;
    let early: Plan | undefined;
    let firstAttempt: boolean;
    let turns: ChatMessage[];
    let standing: Standing;
    let watch: CancellationWatch;
    try {
      // When the prompt needs neither the history nor the standing, it is built now and the budget reserved beside the lookups.
      early = knownTurns !== undefined && !weighsStanding ? plan(knownTurns, NO_STANDING) : undefined;
      earlyReserve = early?.ok ? reserve(early) : undefined;
      [firstAttempt, turns, standing] = await Promise.all([
        marking,
        knownTurns !== undefined
          ? Promise.resolve(knownTurns)
          : history.load({ tenantId: event.tenantId, conversationId: request.conversationId, requestId: request.requestId, acceptedAt: outputs.acceptedAt }),
        weighsStanding
          ? budget.standing(event.tenantId, apiKeyId).catch((error: unknown) => {
            observer.standingFailed(request.requestId, error, traceIdOf(context.traceparent));
            return NO_STANDING;
          })
          : Promise.resolve(NO_STANDING),
      ]);
      watch = await watching;
    } catch (error) {
      await watching.then((opened) => opened.release(), () => undefined);
      // A hold taken beside the failed lookups is given back at once rather than left to lapse.
      const held = await earlyReserve;
      if (held && 'decision' in held && held.decision.ok) {
        const released = await budget.settle(held.decision.reservation, 0);
        if (!released.ok) observer.settleFailed(request.requestId, released.error, traceIdOf(context.traceparent));
      }
      throw error;
    }
    const ended = observer.started();
    const stream = deltas.open({
      tenantId: event.tenantId, correlationId: event.correlationId, requestId: request.requestId, attemptId,
      partition: request.replyRoute.partition, reset: !firstAttempt, emit: (deltas) => context.emit(deltas),
    });
    let reservation: BudgetReservation | undefined;
    /** Once per attempt: the first call replaces the hold, later ones (an error after the end) do nothing. */
    const settle = async (usedTokens: number): Promise<void> => {
      if (reservation === undefined) return;
      const held = reservation;
      reservation = undefined;
      const settled = await budget.settle(held, usedTokens);
      if (!settled.ok) observer.settleFailed(request.requestId, settled.error, traceIdOf(context.traceparent));
    };

    let sources: Source[] = [];
    try {
      const planned = early ?? plan(turns, standing);
      if (!planned.ok) return outputs.end({ status: 'error', finishReason: 'error', error: planned.error, requestedModel: request.model }, sources);
      const { routerModel, maxOutputTokens, prompt } = planned;
      sources = prompt.chunks.map(asSource);

      const reserved = await (earlyReserve ?? reserve(planned));
      if ('error' in reserved) {
        const { error } = reserved;
        // Redis unreachable under the default `deny` policy: answer now rather than hold the request until its deadline.
        if (!(error instanceof BudgetError)) throw error;
        const unavailable = error.code === 'budget_unavailable';
        return outputs.end({ status: 'error', finishReason: 'error', requestedModel: routerModel, error: unavailable
          ? { code: 'internal', message: 'Token budgets cannot be checked right now (their store is unreachable); retry shortly.', retryable: true, retryAfterMs: 1000 }
          : { code: 'internal', message: `Token budgets could not be applied to this request; the generation log has the details under request id ${request.requestId}.`, retryable: false, retryAfterMs: null },
        }, sources);
      }
      const { decision } = reserved;
      if (!decision.ok) {
        const { code, message, retryable, retryAfterMs } = decision.error;
        return outputs.end({ status: 'error', finishReason: 'error', error: { code, message, retryable, retryAfterMs }, requestedModel: routerModel }, sources);
      }
      reservation = decision.reservation;

      stream.start(sources);
      const deadline = AbortSignal.timeout(Math.max(1, request.deadlineAt - now()));
      const signal = AbortSignal.any([watch.signal, deadline, context.signal]);
      let content = '';
      try {
        for await (const chunk of router.stream({
          model: routerModel, messages: prompt.messages, maxOutputTokens, signal, deadline: request.deadlineAt, tenant: event.tenantId,
          ...(request.temperature === null ? {} : { temperature: request.temperature }),
        })) {
          if (chunk.type === 'delta') {
            content += chunk.text;
            stream.append(chunk.text);
          } else if (chunk.type === 'failover') {
            stream.failover({ from: chunk.from, to: chunk.to, reason: chunk.reason, afterOutput: chunk.afterOutput });
          } else {
            // Settled first: the answer was generated whatever happens to its last deltas.
            await settle(chunk.usage.inputTokens + chunk.usage.outputTokens);
            await stream.flush();
            return outputs.end({
              status: 'done', finishReason: chunk.finishReason, content, usage: chunk.usage, model: chunk.model, provider: chunk.provider,
              servedBy: chunk.servedBy, costUsd: chunk.costUsd, requestedModel: routerModel,
            }, sources);
          }
        }
        throw new ProviderError({ provider: 'router', code: 'provider_unavailable', message: 'the stream ended without finishing', retryable: true });
      } catch (error) {
        // What was generated before the failure is billed, not zero and not the whole reservation.
        const accounting = accountingOf(error);
        const used = accounting ? { usage: accounting.usage, servedBy: accounting.servedBy, costUsd: accounting.costUsd } : {};
        await settle(accounting ? accounting.usage.inputTokens + accounting.usage.outputTokens : 0);
        // Shutdown of this worker: leave the event uncommitted so another instance regenerates.
        if (context.signal.aborted) throw error;
        await stream.flush();
        const partial = { content, requestedModel: routerModel, ...used };
        if (watch.signal.aborted) {
          return outputs.end({ ...partial, status: 'error', finishReason: 'cancelled',
            error: { code: 'cancelled', message: 'the client cancelled the request', retryable: false, retryAfterMs: null } }, sources);
        }
        if (deadline.aborted || isAbortError(error)) {
          return outputs.end({ ...partial, status: 'error', finishReason: 'error',
            error: { code: 'timeout', message: 'the answer did not finish before the request deadline; ask again', retryable: true, retryAfterMs: null } }, sources);
        }
        if (error instanceof RouterError) {
          // What each deployment said (names, addresses, upstream messages) is for operators, not clients.
          observer.providerFailed(request.requestId, error, traceIdOf(context.traceparent));
          return outputs.end({ ...partial, status: 'error', finishReason: 'error', error: {
            ...providerErrorDetail(error),
            message: error.code === 'invalid_request'
              ? `The model refused the request as invalid; the generation log has the details under request id ${request.requestId}.`
              : `No model deployment could answer${content === '' ? '' : ' the rest'}; retry shortly. The generation log has the details under request id ${request.requestId}.`,
          } }, sources);
        }
        if (error instanceof ProviderError) {
          return outputs.end({ ...partial, status: 'error', finishReason: 'error', error: providerErrorDetail(error) }, sources);
        }
        throw error;
      }
    } finally {
      watch.release();
      ended();
    }
  };
};
