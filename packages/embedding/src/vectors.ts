import { EmbeddingError } from './embedding-error.js';

/** Cosine of the angle between two vectors of the same length; 0 when either is all zeros. */
export const cosineSimilarity = (a: Float32Array, b: Float32Array): number => {
  if (a.length !== b.length) {
    throw new EmbeddingError({ code: 'invalid_options', message: `cosineSimilarity: vectors differ in length (${a.length} and ${b.length})` });
  }
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index]!;
    const y = b[index]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
};

/** Scales `vector` in place to length 1; returns false (and leaves it) when it is all zeros or not finite. */
export const normaliseInPlace = (vector: Float32Array): boolean => {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm)) return false;
  for (let index = 0; index < vector.length; index++) vector[index] = vector[index]! / norm;
  return true;
};

/**
 * Mean of each text's token vectors over its attention mask, as sentence-transformers'
 * Pooling(mean) does. `hidden` is [batch, sequence, dimension]; text `i` occupies the first
 * `lengths[i]` positions of its row and padding the rest.
 */
export const meanPool = (hidden: Float32Array, lengths: readonly number[], sequenceLength: number, dimension: number): Float32Array[] =>
  lengths.map((length, batchIndex) => {
    const sum = new Float64Array(dimension);
    for (let position = 0; position < length; position++) {
      const base = (batchIndex * sequenceLength + position) * dimension;
      for (let feature = 0; feature < dimension; feature++) sum[feature]! += hidden[base + feature]!;
    }
    const pooled = new Float32Array(dimension);
    for (let feature = 0; feature < dimension; feature++) pooled[feature] = sum[feature]! / length;
    return pooled;
  });
