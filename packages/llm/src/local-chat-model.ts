import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { getLlama, LlamaChat, LlamaLogLevel, type ChatHistoryItem, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import type { ChatMessage, ChatModel, ChatStreamEvent, ChatGenerationRequest } from './chat-model.js';
import { createChunkQueue } from './chunk-queue.js';
import { ProviderError } from './provider-error.js';
import { createPool } from './sequence-pool.js';
import { abortError, closedStream } from './stream-errors.js';

export interface LocalChatModelOptions {
  /** The GGUF file (`rivulet infra up` puts Gemma 3 270M at <RIVULET_HOME>/models/gemma3-270m/). */
  modelPath: string;
  /** The name reported as `model` (default: the file's base name without .gguf). */
  name?: string | undefined;
  /** Context window per generation, prompt + output (default 4096; llama.cpp may round it up to a multiple of 256). */
  contextTokens?: number | undefined;
  /** CPU threads for decoding (default: node-llama-cpp's, all cores). */
  threads?: number | undefined;
  /** Generations that decode at once, batched on one context (default 1); more wait their turn. */
  maxConcurrent?: number | undefined;
  /** Output limit when a request gives none (default 512), so a model that never stops still does. */
  defaultMaxOutputTokens?: number | undefined;
  /** llama.cpp's own log lines (default: dropped; failures still surface as errors). */
  logger?: ((level: string, message: string) => void) | undefined;
}

const provider = 'local';

const toHistory = (messages: readonly ChatMessage[]): ChatHistoryItem[] =>
  messages.map((message): ChatHistoryItem =>
    message.role === 'system' ? { type: 'system', text: message.content }
    : message.role === 'user' ? { type: 'user', text: message.content }
    : { type: 'model', response: [message.content] },
  );

const unavailable = (message: string, cause?: unknown) => new ProviderError({ provider, code: 'provider_unavailable', message: `${provider}: ${message}`, retryable: false, cause });

/**
 * Loads a GGUF chat model with node-llama-cpp on the CPU (prebuilt binaries only: nothing is
 * compiled). The chat template comes from the file (node-llama-cpp's "auto" chat wrapper);
 * each generation borrows one context sequence, so at most `maxConcurrent` decode at once.
 */
export const loadLocalChatModel = async ({
  modelPath,
  name = basename(modelPath).replace(/\.gguf$/i, ''),
  contextTokens = 4096,
  threads,
  maxConcurrent = 1,
  defaultMaxOutputTokens = 512,
  logger = () => {},
}: LocalChatModelOptions): Promise<ChatModel> => {
  for (const [option, value] of [['contextTokens', contextTokens], ['maxConcurrent', maxConcurrent], ['defaultMaxOutputTokens', defaultMaxOutputTokens], ['threads', threads ?? 1]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new TypeError(`loadLocalChatModel: ${option} must be a positive whole number, got ${value}`);
  }
  if (!(await stat(modelPath).then((stats) => stats.isFile(), () => false))) throw unavailable(`no model file at ${modelPath}: run \`rivulet infra up\``);
  let llama: Awaited<ReturnType<typeof getLlama>> | undefined;
  let model: LlamaModel | undefined;
  let context: LlamaContext;
  try {
    llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn, logger: (level, message) => logger(level, message) });
    model = await llama.loadModel({ modelPath });
    context = await model.createContext({ contextSize: contextTokens, sequences: maxConcurrent, ...(threads === undefined ? {} : { threads }) });
  } catch (error) {
    await model?.dispose();
    await llama?.dispose();
    throw unavailable(`cannot load ${modelPath}: ${(error as Error).message}`, error);
  }
  const loadedModel = model;
  const chats = Array.from({ length: maxConcurrent }, () => new LlamaChat({ contextSequence: context.getSequence() }));
  const pool = createPool(chats);
  const running = new Set<{ controller: AbortController; done: Promise<unknown> }>();
  let closed = false;

  async function* generate(request: ChatGenerationRequest): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const { signal } = request;
    const history = toHistory(request.messages);
    // The prompt as the model sees it: the messages inside the chat template, up to the model's turn.
    const prompt = chats[0]!.chatWrapper.generateContextState({ chatHistory: [...history, { type: 'model', response: [] }] }).contextText;
    const inputTokens = prompt.tokenize(loadedModel.tokenizer).length;
    const chat = await pool.acquire(signal);
    const controller = new AbortController();
    const queue = createChunkQueue();
    const onAbort = () => {
      controller.abort(signal.reason);
      queue.fail(abortError(signal)); // answer the caller now; decoding stops at the next token
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort(); // fired while the sequence was being handed over
    let outputTokens = 0;
    const generation = chat.generateResponse(history, {
      signal: controller.signal,
      maxTokens: request.maxOutputTokens ?? defaultMaxOutputTokens,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      onTextChunk: (text) => {
        if (text) queue.push(text);
      },
      onToken: (tokens) => {
        outputTokens += tokens.length;
      },
    });
    const entry = { controller, done: generation.then(() => queue.end(), (error: unknown) => queue.fail(error as Error)) };
    running.add(entry);
    try {
      for await (const text of queue) yield { type: 'delta', text };
      const { metadata } = await generation;
      yield { type: 'end', finishReason: metadata.stopReason === 'maxTokens' ? 'length' : 'stop', usage: { inputTokens, outputTokens } };
    } catch (error) {
      if (signal.aborted) throw abortError(signal);
      if (error instanceof ProviderError) throw error;
      throw new ProviderError({ provider, code: 'internal', message: `${provider}: generation failed: ${(error as Error).message}`, retryable: false, cause: error });
    } finally {
      signal.removeEventListener('abort', onAbort);
      controller.abort(); // the consumer may have stopped early: stop decoding
      await entry.done;
      running.delete(entry);
      pool.release(chat); // only now is the sequence idle
    }
  }

  return {
    provider,
    model: name,
    contextTokens: context.contextSize,
    countTokens: (text) => loadedModel.tokenize(text).length,
    stream: (request) => (closed ? closedStream(provider) : generate(request)),
    close: async () => {
      if (closed) return;
      closed = true;
      pool.drain(new ProviderError({ provider, code: 'internal', message: `${provider}: closed while waiting`, retryable: false }));
      for (const { controller } of running) controller.abort();
      await Promise.all([...running].map((entry) => entry.done));
      await context.dispose();
      await loadedModel.dispose();
      await llama.dispose();
    },
  };
};
