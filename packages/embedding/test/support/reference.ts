import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelPaths } from '@rivulet/infra';

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The model `rivulet infra up` fetched (npm test runs it first), in the same state folder as the services. */
export const modelDirectory = modelPaths(process.env.RIVULET_HOME || join(repositoryRoot, '.rivulet')).embeddingModelDirectory;

/** test/fixtures/reference-embeddings.json, made by scripts/make-reference-embeddings.py (see fixtures/README.md). */
export interface ReferenceFixture {
  cosineSentenceTransformersVsOnnxInt8: number[];
  embeddings: { text: string; tokenCount: number; sentenceTransformers: number[]; onnxInt8: number[] }[];
  tokenized: { text: string; ids: number[]; tokens: string[]; offsets: [number, number][] }[];
}

export const reference = JSON.parse(await readFile(new URL('../fixtures/reference-embeddings.json', import.meta.url), 'utf8')) as ReferenceFixture;
