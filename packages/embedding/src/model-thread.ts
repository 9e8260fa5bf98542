import { Worker } from 'node:worker_threads';
import { EmbeddingError, type EmbeddingErrorCode } from './embedding-error.js';
import type { EmbeddingModel } from './embedding-model.js';
import type { OnnxEmbeddingModelOptions } from './onnx-embedding-model.js';
import { loadWordPieceTokenizer } from './word-piece-tokenizer.js';

const fromSource = import.meta.url.endsWith('.ts');
const entryUrl = new URL(`./model-thread-entry${fromSource ? '.ts' : '.js'}`, import.meta.url);

const startThread = (options: OnnxEmbeddingModelOptions): Worker => {
  if (!fromSource) return new Worker(entryUrl, { workerData: options });
  // Run from source (tests under tsx): a worker does not inherit tsx's loader on Node 20.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const bootstrap = `import(${tsx}).then(({ register }) => { register(); return import(${JSON.stringify(entryUrl.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: options });
};

type Reply = { requestId: number; vectors?: Float32Array[]; error?: { code: string; message: string; retriable: boolean } };
type Ready = { type: 'ready'; id: string; version: string; dimension: number; maxTokens: number } | { type: 'failed'; error: { code: string; message: string } };

/**
 * The ONNX model in a worker thread, behind the same port. onnxruntime-node computes on the
 * calling thread: in the main thread a batch stops the event loop for its whole run (no Kafka
 * fetches, acknowledgements or heartbeats meanwhile). In a thread, I/O overlaps the model and
 * the next batch fills while this one runs.
 */
export const loadThreadedOnnxEmbeddingModel = async (options: OnnxEmbeddingModelOptions): Promise<EmbeddingModel> => {
  const tokenizer = await loadWordPieceTokenizer({ modelDirectory: options.modelDirectory });
  const thread = startThread(options);
  const pending = new Map<number, { resolve: (vectors: Float32Array[]) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;

  const ready = await new Promise<Extract<Ready, { type: 'ready' }>>((resolve, reject) => {
    thread.once('message', (message: Ready) =>
      message.type === 'ready' ? resolve(message) : reject(new EmbeddingError({ code: message.error.code as EmbeddingErrorCode, message: message.error.message })),
    );
    thread.once('error', reject);
  });
  thread.on('message', (reply: Reply) => {
    const request = pending.get(reply.requestId);
    if (!request) return;
    pending.delete(reply.requestId);
    if (reply.vectors) request.resolve(reply.vectors);
    else request.reject(new EmbeddingError({ code: (reply.error?.code ?? 'inference_failed') as EmbeddingErrorCode, message: reply.error?.message ?? 'embedding failed', retriable: reply.error?.retriable ?? false }));
  });
  const failAll = (error: Error): void => {
    failure = error;
    for (const request of pending.values()) request.reject(error);
    pending.clear();
  };
  thread.on('error', failAll);
  thread.on('exit', (code) => failAll(new EmbeddingError({ code: 'inference_failed', message: `embedding model thread exited (${code})`, retriable: true })));

  return {
    id: ready.id,
    version: ready.version,
    dimension: ready.dimension,
    maxTokens: ready.maxTokens,
    tokenizer,
    embed: (texts) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        const requestId = (nextId += 1);
        pending.set(requestId, { resolve, reject });
        thread.postMessage({ requestId, texts: [...texts] });
      }),
    close: async () => {
      thread.postMessage({ type: 'close' });
      await new Promise((resolve) => thread.once('exit', resolve));
    },
  };
};
