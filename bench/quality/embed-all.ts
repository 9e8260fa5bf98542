import type { EmbeddingModel } from '@rivulet/embedding';

/**
 * Embeds many texts with the model directly, in batches of similar length (as
 * sentence-transformers' encode does, so little is padded); vectors come back in input order.
 */
export const embedAll = async (model: EmbeddingModel, texts: readonly string[], { batchSize = 32, label = '', progressEverySeconds = 30 } = {}): Promise<Float32Array[]> => {
  const order = texts.map((text, index) => ({ index, length: text.length })).sort((a, b) => b.length - a.length);
  const vectors = new Array<Float32Array>(texts.length);
  const started = Date.now();
  let reported = started;
  for (let start = 0; start < order.length; start += batchSize) {
    const batch = order.slice(start, start + batchSize);
    const embedded = await model.embed(batch.map(({ index }) => texts[index]!));
    batch.forEach(({ index }, position) => (vectors[index] = embedded[position]!));
    if (label && Date.now() - reported > progressEverySeconds * 1000) {
      reported = Date.now();
      const done = Math.min(start + batchSize, order.length);
      console.log(`  ${label}: ${done}/${order.length} (${Math.round(done / ((Date.now() - started) / 1000))} texts/s)`);
    }
  }
  return vectors;
};

/** pgvector's text form `[0.1,0.2,...]` as a vector. */
export const parseVector = (text: string): Float32Array => Float32Array.from(text.slice(1, -1).split(',').map(Number));

export const cosine = (a: Float32Array, b: Float32Array): number => {
  let dot = 0, normA = 0, normB = 0;
  for (let index = 0; index < a.length; index++) {
    dot += a[index]! * b[index]!;
    normA += a[index]! * a[index]!;
    normB += b[index]! * b[index]!;
  }
  return dot / Math.sqrt(normA * normB);
};
