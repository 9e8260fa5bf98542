import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface BeirDocument { id: string; title: string; text: string }
export interface BeirQuery { id: string; text: string }
/** query id -> document id -> relevance (graded; 0 or less is not relevant). */
export type Qrels = Map<string, Map<string, number>>;

export interface BeirDataset {
  name: string;
  corpus: BeirDocument[];
  /** Only the queries that have judgements in the split, in file order. */
  queries: BeirQuery[];
  qrels: Qrels;
}

const exists = (file: string) => access(file).then(() => true, () => false);

const jsonLines = (text: string): Record<string, unknown>[] =>
  text.split('\n').filter((line) => line.trim() !== '').map((line, index) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`line ${index + 1} is not JSON: ${(error as Error).message}`);
    }
  });

const readMaybeGzipped = async (folder: string, name: string): Promise<string> => {
  for (const [file, gzipped] of [[join(folder, name), false], [join(folder, `${name}.gz`), true]] as const) {
    if (await exists(file)) {
      const bytes = await readFile(file);
      return (gzipped ? gunzipSync(bytes) : bytes).toString('utf8');
    }
  }
  throw new Error(`${folder} has neither ${name} nor ${name}.gz`);
};

/**
 * qrels/<split>.tsv: `query-id \t corpus-id \t score`, with or without a header line, LF or CRLF
 * (BEIR ships a header and CRLF).
 */
export const parseQrels = (text: string): Qrels => {
  const qrels: Qrels = new Map();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const [queryId, documentId, score] = line.split('\t').map((field) => field.trim());
    if (queryId === undefined || documentId === undefined || score === undefined) throw new Error(`qrels line ${index + 1} does not have three tab-separated fields`);
    const relevance = Number(score);
    if (!Number.isFinite(relevance)) {
      if (index === 0) return; // the header
      throw new Error(`qrels line ${index + 1}: score "${score}" is not a number`);
    }
    const judged = qrels.get(queryId) ?? new Map<string, number>();
    judged.set(documentId, relevance);
    qrels.set(queryId, judged);
  });
  return qrels;
};

/** Reads a BEIR-format folder: corpus.jsonl[.gz], queries.jsonl[.gz], qrels/<split>.tsv. */
export const loadBeirDataset = async (folder: string, split = 'test'): Promise<BeirDataset> => {
  const qrels = parseQrels(await readFile(join(folder, 'qrels', `${split}.tsv`), 'utf8'));
  const corpus = jsonLines(await readMaybeGzipped(folder, 'corpus.jsonl')).map((row) => ({ id: String(row._id), title: typeof row.title === 'string' ? row.title : '', text: typeof row.text === 'string' ? row.text : '' }));
  const queries = jsonLines(await readMaybeGzipped(folder, 'queries.jsonl'))
    .map((row) => ({ id: String(row._id), text: typeof row.text === 'string' ? row.text : '' }))
    .filter((query) => qrels.has(query.id));
  const name = folder.replace(/\/+$/, '').split('/').pop() ?? folder;
  return { name, corpus, queries, qrels };
};
