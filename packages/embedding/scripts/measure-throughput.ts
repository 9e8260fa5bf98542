// Raw throughput of the ONNX adapter: texts per second at batch 32 for ~100-word texts,
// with one and with two intra-op threads (and fp32 when model-fp32.onnx is present).
//   node --import tsx packages/embedding/scripts/measure-throughput.ts [rounds]
// A quick figure for decisions, not the benchmark (that lives in bench/ with its baseline).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOnnxEmbeddingModel, type OnnxVariant } from '../src/index.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const modelDirectory = join(process.env.RIVULET_HOME || join(repositoryRoot, '.rivulet'), 'models', 'all-minilm-l6-v2');
const rounds = Number(process.argv[2] ?? 10);
const batchSize = 32;

const words = (
  'kafka partition consumer offset commit broker replica leader event schema registry retrieval embedding vector ' +
  'index chunk document ingestion pipeline latency throughput backpressure retry dead letter topic stream window ' +
  'the a of to and in is that for it on with as was at by this from be have are or not but which one all'
).split(' ');
/** Deterministic pseudo-random ~100-word texts, so each run measures the same tokens. */
const makeTexts = (count: number): string[] => {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => Array.from({ length: 90 + Math.floor(next() * 20) }, () => words[Math.floor(next() * words.length)]).join(' ') + '.');
};

const measure = async (variant: OnnxVariant, threads: number): Promise<void> => {
  const model = await loadOnnxEmbeddingModel({ modelDirectory, variant, intraOpThreads: threads, interOpThreads: 1 });
  const texts = makeTexts(batchSize * rounds);
  const tokens = texts.reduce((sum, text) => sum + model.tokenizer!.countTokens(text), 0) / texts.length;
  await model.embed(texts.slice(0, batchSize)); // warm-up: the first run plans memory
  const started = performance.now();
  for (let round = 0; round < rounds; round++) await model.embed(texts.slice(round * batchSize, (round + 1) * batchSize));
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${variant} intraOpThreads=${threads}: ${((rounds * batchSize) / seconds).toFixed(1)} texts/s ` +
      `(batch ${batchSize}, ${tokens.toFixed(0)} tokens a text, ${((seconds / rounds) * 1000).toFixed(0)} ms a batch)\n`,
  );
  await model.close();
};

for (const variant of ['int8', 'fp32'] as const) {
  if (!existsSync(join(modelDirectory, `model-${variant}.onnx`))) continue;
  for (const threads of [1, 2]) await measure(variant, threads);
}
