import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddingError } from './embedding-error.js';

export type OnnxVariant = 'int8' | 'fp32';

/**
 * The model folder, as `rivulet infra up` lays out `<home>/models/all-minilm-l6-v2/`
 * (sentence-transformers' own file names, plus one ONNX file per variant).
 */
export const modelFileNames = {
  onnx: (variant: OnnxVariant) => `model-${variant}.onnx`,
  tokenizer: 'tokenizer.json',
  transformerConfig: 'config.json',
  sentenceTransformersConfig: 'sentence_bert_config.json',
  poolingConfig: join('1_Pooling', 'config.json'),
} as const;

export interface ModelSettings {
  /** hidden_size of config.json: the vector length. */
  dimension: number;
  /** max_seq_length of sentence_bert_config.json: what sentence-transformers feeds the model. */
  maxSequenceLength: number | undefined;
  /** max_position_embeddings of config.json: the hard limit of the network. */
  maxPositions: number;
}

const readJson = async (file: string): Promise<Record<string, unknown> | undefined> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new EmbeddingError({ code: 'model_invalid', message: `${file} is not JSON`, cause: error });
  }
};

const positiveInteger = (value: unknown): number | undefined => (Number.isInteger(value) && (value as number) > 0 ? (value as number) : undefined);

/** Reads the configuration files beside the ONNX file; refuses a model that does not mean-pool. */
export const readModelSettings = async (modelDirectory: string): Promise<ModelSettings> => {
  const configFile = join(modelDirectory, modelFileNames.transformerConfig);
  const config = await readJson(configFile);
  if (config === undefined) throw new EmbeddingError({ code: 'model_not_found', message: `no ${configFile}: run \`rivulet infra up\`` });
  const dimension = positiveInteger(config.hidden_size);
  const maxPositions = positiveInteger(config.max_position_embeddings);
  if (dimension === undefined || maxPositions === undefined) {
    throw new EmbeddingError({ code: 'model_invalid', message: `${configFile} lacks hidden_size or max_position_embeddings` });
  }
  const pooling = await readJson(join(modelDirectory, modelFileNames.poolingConfig));
  // Without a pooling file the ONNX output decides; with one, it has to be the mean this adapter computes.
  if (pooling !== undefined && pooling.pooling_mode_mean_tokens !== true) {
    throw new EmbeddingError({ code: 'model_invalid', message: `${modelDirectory}: the model pools other than by mean (${JSON.stringify(pooling)})` });
  }
  const sentenceTransformers = await readJson(join(modelDirectory, modelFileNames.sentenceTransformersConfig));
  return { dimension, maxPositions, maxSequenceLength: positiveInteger(sentenceTransformers?.max_seq_length) };
};
