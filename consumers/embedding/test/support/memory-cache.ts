import type { EmbeddingCache } from '../../src/index.js';

/** An embedding cache in a Map, its entries visible to the test. */
export const memoryCache = (): EmbeddingCache & { store: Map<string, Float32Array> } => {
  const store = new Map<string, Float32Array>();
  return {
    store,
    getMany: (keys) => Promise.resolve(keys.map((key) => store.get(key))),
    setMany: (entries) => Promise.resolve(void entries.forEach(({ key, vector }) => store.set(key, vector))),
    close: () => Promise.resolve(),
  };
};
