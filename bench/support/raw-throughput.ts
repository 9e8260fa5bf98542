import type { EmbeddingModel } from '@rivulet/embedding';

export interface RawThroughput {
  batchSize: number;
  texts: number;
  seconds: number;
  textsPerSecond: number;
  /** CPU seconds of this process (main thread and onnxruntime's threads) during the measurement. */
  cpuSeconds: number;
}

const seconds = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e9;

/**
 * The model alone: `model.embed` (one `InferenceSession.run` per call) over `texts` in
 * consecutive batches of `batchSize`, one call at a time, as the worker's batcher calls it.
 */
export const measureRawThroughput = async (model: EmbeddingModel, texts: readonly string[], batchSize: number): Promise<RawThroughput> => {
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let start = 0; start < texts.length; start += batchSize) await model.embed(texts.slice(start, start + batchSize));
  const elapsed = seconds(started);
  const cpu = process.cpuUsage(cpuBefore);
  return { batchSize, texts: texts.length, seconds: elapsed, textsPerSecond: texts.length / elapsed, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
};

/** A couple of runs before measuring: onnxruntime allocates and plans on the first calls. */
export const warmUp = async (model: EmbeddingModel, texts: readonly string[], batchSize: number, runs = 2): Promise<void> => {
  for (let run = 0; run < runs; run++) await model.embed(texts.slice(0, batchSize));
};
