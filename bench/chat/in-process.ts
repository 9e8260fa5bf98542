// The baseline: the same question answered in this process, without Kafka. The same three steps
// the chat workers take, as plain function calls: the embedding model (loaded as the embedding
// worker loads it), the retrieval worker's searchChunks on the same database and tenant, the
// generation worker's prompt, and the same fake provider through the same ChatModel adapter.
import type { EmbeddingModel } from '@rivulet/embedding';
import type { ChatModel } from '@rivulet/llm';
import type { Pool } from '@rivulet/store';
import { fitQueryToModel } from '@rivulet/worker-embedding';
import { buildPrompt } from '@rivulet/worker-generation';
import { DEFAULT_MIN_SCORE, searchChunks } from '@rivulet/worker-retrieval';
import type { Answered } from './streams.js';

/** Milliseconds from the start of the answer to the end of each step. */
export interface InProcessTiming extends Answered {
  embeddedMs: number;
  retrievedMs: number;
  sources: number;
  outputTokens: number;
}

/** The worker settings the baseline copies (their defaults in consumers/{retrieval,generation}/src/config.ts). */
export const WORKER_SETTINGS = { efSearch: 100, maxScanTuples: 20_000, minScore: DEFAULT_MIN_SCORE, maxOutputTokens: 512, historyTokenBudget: 1500 } as const;

export const inProcessAnswerer = ({ model, pool, chat, tenantId, collection, topK }: {
  model: EmbeddingModel;
  pool: Pool;
  chat: ChatModel;
  tenantId: string;
  collection: string;
  topK: number;
}) => {
  const queryText = fitQueryToModel(model);
  const maxOutputTokens = Math.min(WORKER_SETTINGS.maxOutputTokens, Math.floor(chat.contextTokens / 2));

  return async (question: string): Promise<InProcessTiming> => {
    const started = performance.now();
    const [vector] = await model.embed([queryText(question)]);
    const embeddedMs = performance.now() - started;
    const { chunks } = await searchChunks(pool, {
      tenantId, collection, topK, efSearch: WORKER_SETTINGS.efSearch, maxScanTuples: WORKER_SETTINGS.maxScanTuples, minScore: WORKER_SETTINGS.minScore,
      embedding: { modelId: model.id, modelVersion: model.version, dimension: model.dimension, vector: Array.from(vector!) },
    });
    const retrievedMs = performance.now() - started;
    const prompt = buildPrompt({
      question, chunks, rag: true, history: [], countTokens: (text) => chat.countTokens(text),
      promptTokenBudget: chat.contextTokens - maxOutputTokens, historyTokenBudget: WORKER_SETTINGS.historyTokenBudget,
    });
    let firstDeltaMs: number | undefined;
    for await (const event of chat.stream({ messages: prompt.messages, maxOutputTokens, signal: AbortSignal.timeout(60_000) })) {
      if (event.type === 'delta') {
        firstDeltaMs ??= performance.now() - started;
        continue;
      }
      const doneMs = performance.now() - started;
      return { embeddedMs, retrievedMs, firstDeltaMs: firstDeltaMs ?? doneMs, doneMs, sources: prompt.chunks.length, outputTokens: event.usage.outputTokens };
    }
    throw new Error('the chat model stream ended without an end event');
  };
};
