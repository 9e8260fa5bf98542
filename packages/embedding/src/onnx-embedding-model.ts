import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { EmbeddingError } from './embedding-error.js';
import type { EmbeddingModel } from './embedding-model.js';
import { modelFileNames, readModelSettings, type OnnxVariant } from './model-files.js';
import { meanPool, normaliseInPlace } from './vectors.js';
import { loadWordPieceTokenizer } from './word-piece-tokenizer.js';

export interface OnnxEmbeddingModelOptions {
  /** The model folder `rivulet infra up` fills: `<RIVULET_HOME>/models/all-minilm-l6-v2` (see infra's `modelPaths`). */
  modelDirectory: string;
  /** Which ONNX file: `model-int8.onnx` (default, installed by infra) or `model-fp32.onnx` (placed by hand; see docs/decisions/0004). */
  variant?: OnnxVariant;
  /** Threads inside one operator (default 1). On a 2-core machine, 2 gives one model run both cores. */
  intraOpThreads?: number;
  /** Threads running independent operators at once (default 1; this graph is a chain, so more rarely helps). */
  interOpThreads?: number;
  /** Longest input, special tokens included (default: max_seq_length of sentence_bert_config.json, 256). */
  maxTokens?: number;
  /** The model's name in events and the store (default 'sentence-transformers/all-MiniLM-L6-v2'). */
  id?: string;
}

const invalidOptions = (message: string) => new EmbeddingError({ code: 'invalid_options', message: `loadOnnxEmbeddingModel: ${message}` });

const checkThreads = (name: string, value: number) => {
  if (!Number.isInteger(value) || value < 1) throw invalidOptions(`${name} must be a whole number of at least 1, got ${value}`);
  return value;
};

/** The ONNX output to read: one vector per text, or one per token to be mean-pooled. */
const pickOutput = (session: InferenceSession, file: string): { name: string; pooled: boolean } => {
  if (session.outputNames.includes('sentence_embedding')) return { name: 'sentence_embedding', pooled: true };
  const tokenLevel = ['last_hidden_state', 'token_embeddings'].find((name) => session.outputNames.includes(name));
  if (tokenLevel !== undefined) return { name: tokenLevel, pooled: false };
  throw new EmbeddingError({ code: 'model_invalid', message: `${file} has no sentence_embedding, last_hidden_state or token_embeddings output (${session.outputNames.join(', ')})` });
};

/**
 * A sentence-embedding model run in-process by onnxruntime on the CPU: the tokenizer of the
 * model folder, one padded batch per `embed` call (padded to the longest text, not to
 * maxTokens), mean pooling over the attention mask and L2 normalisation, as
 * sentence-transformers computes all-MiniLM-L6-v2. `session.run` occupies the calling thread
 * for the whole batch: keep batches to a size whose run takes well under the consumer's session timeout.
 */
export const loadOnnxEmbeddingModel = async ({
  modelDirectory,
  variant = 'int8',
  intraOpThreads = 1,
  interOpThreads = 1,
  maxTokens,
  id = 'sentence-transformers/all-MiniLM-L6-v2',
}: OnnxEmbeddingModelOptions): Promise<EmbeddingModel> => {
  if (!modelDirectory) throw invalidOptions('modelDirectory is required');
  if (variant !== 'int8' && variant !== 'fp32') throw invalidOptions(`variant must be 'int8' or 'fp32', got ${String(variant)}`);
  checkThreads('intraOpThreads', intraOpThreads);
  checkThreads('interOpThreads', interOpThreads);
  const settings = await readModelSettings(modelDirectory);
  const limit = maxTokens ?? settings.maxSequenceLength ?? settings.maxPositions;
  if (!Number.isInteger(limit) || limit < 3 || limit > settings.maxPositions) {
    throw invalidOptions(`maxTokens must be a whole number from 3 to ${settings.maxPositions} (the model's positions), got ${limit}`);
  }
  const file = join(modelDirectory, modelFileNames.onnx(variant));
  const bytes = await readFile(file).catch((error: unknown) => {
    const hint = variant === 'fp32' ? 'no package that infra installs ships an fp32 export; see docs/decisions/0004-embedding-model.md' : 'run `rivulet infra up`';
    throw new EmbeddingError({ code: 'model_not_found', message: `no ${variant} model at ${file}: ${hint}`, cause: error });
  });
  const version = `onnx-${variant}-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
  const tokenizer = await loadWordPieceTokenizer({ modelDirectory });
  const session = await InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: interOpThreads,
    logSeverityLevel: 3,
    // Spinning threads wait for work by busy-looping: on 2 cores that takes CPU from Kafka and the event loop.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  }).catch((error: unknown) => {
    throw new EmbeddingError({ code: 'model_invalid', message: `onnxruntime could not load ${file}: ${(error as Error).message}`, cause: error });
  });
  const output = pickOutput(session, file);
  const unknownInputs = session.inputNames.filter((name) => !['input_ids', 'attention_mask', 'token_type_ids'].includes(name));
  if (unknownInputs.length > 0) throw new EmbeddingError({ code: 'model_invalid', message: `${file} wants inputs this adapter does not feed: ${unknownInputs.join(', ')}` });

  let closed = false;
  const running = new Set<Promise<unknown>>();

  const run = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const inputs = texts.map((text, index) => {
      const ids = tokenizer.modelInputIds(text);
      if (ids.length > limit) {
        throw new EmbeddingError({ code: 'input_too_long', message: `text ${index} is ${ids.length} tokens (special tokens included); ${id} reads at most ${limit}` });
      }
      return ids;
    });
    const lengths = inputs.map((ids) => ids.length);
    const sequenceLength = Math.max(...lengths);
    const shape = [texts.length, sequenceLength];
    const inputIds = new BigInt64Array(texts.length * sequenceLength);
    const attentionMask = new BigInt64Array(texts.length * sequenceLength);
    inputs.forEach((ids, row) => {
      ids.forEach((tokenId, position) => {
        inputIds[row * sequenceLength + position] = BigInt(tokenId);
        attentionMask[row * sequenceLength + position] = 1n;
      });
    });
    const tensors: Record<string, Tensor> = {
      input_ids: new Tensor('int64', inputIds, shape),
      attention_mask: new Tensor('int64', attentionMask, shape),
      token_type_ids: new Tensor('int64', new BigInt64Array(texts.length * sequenceLength), shape),
    };
    const feeds = Object.fromEntries(session.inputNames.map((name) => [name, tensors[name]!]));
    let result: Tensor | undefined;
    try {
      result = (await session.run(feeds, [output.name]))[output.name];
    } catch (error) {
      throw new EmbeddingError({ code: 'inference_failed', message: `onnxruntime failed on a batch of ${texts.length}: ${(error as Error).message}`, cause: error });
    }
    if (result?.type !== 'float32') throw new EmbeddingError({ code: 'inference_failed', message: `output ${output.name} is not float32` });
    const data = result.data as Float32Array;
    const dimension = result.dims[result.dims.length - 1];
    if (dimension !== settings.dimension) {
      throw new EmbeddingError({ code: 'model_invalid', message: `${file} gives vectors of ${dimension}, config.json says ${settings.dimension}` });
    }
    const vectors = output.pooled
      ? inputs.map((_, row) => data.slice(row * dimension, (row + 1) * dimension))
      : meanPool(data, lengths, sequenceLength, dimension);
    for (const vector of vectors) {
      if (!normaliseInPlace(vector)) throw new EmbeddingError({ code: 'inference_failed', message: `${id} produced a zero or non-finite vector` });
    }
    return vectors;
  };

  return {
    id,
    version,
    dimension: settings.dimension,
    maxTokens: limit,
    tokenizer,
    embed: async (texts, { signal } = {}) => {
      if (closed) throw new EmbeddingError({ code: 'closed', message: `${id}: embed after close` });
      if (signal?.aborted) throw new EmbeddingError({ code: 'aborted', message: `${id}: embed aborted`, cause: signal.reason });
      if (texts.length === 0) return [];
      const pending = run(texts);
      running.add(pending);
      return pending.finally(() => running.delete(pending));
    },
    close: async () => {
      if (closed) return;
      closed = true;
      // Releasing the session under a run in flight would crash the native side.
      await Promise.allSettled(running);
      await session.release();
    },
  };
};
