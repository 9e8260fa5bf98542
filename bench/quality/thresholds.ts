// bench:thresholds: where RETRIEVAL_MIN_SCORE should sit for the embedding model. The BEIR corpus
// (default SciFact) and the repository's docs/ (another domain: the sample corpus `rivulet start`
// ingests) are parsed and chunked as the ingestion worker does (parseDocument, chunkText with the
// model's tokenizer), each chunk and query embedded by the model as the embedding worker does (the
// chunk text alone, the question as written). It reports the cosine scores of relevant chunks
// against those of unrelated ones, and what each candidate threshold keeps and drops. In memory:
// no pipeline, so it measures the model and the chunking, not the index. See docs/benchmarks.md.
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chunkText, closeDocumentParsers, parseDocument } from '@rivulet/documents';
import { loadWordPieceTokenizer, readModelSettings } from '@rivulet/embedding';
import { loadModel, WORKER_DEFAULTS } from '../support/model.js';
import { integerOption, readOptions } from '../support/options.js';
import { defaultModelDirectory, invocationDirectory, repositoryRoot } from '../support/paths.js';
import { createRandom } from '../support/random.js';
import { printTable, round, writeResult } from '../support/report.js';
import { loadBeirDataset } from './beir.js';
import { embedAll } from './embed-all.js';
import { distribution, inDomainScores, thresholdTable, type ChunkScore, type JudgedQuery } from './score-distribution.js';

/** Questions no document of either corpus is about (everyday chat, the otter example). */
const EVERYDAY_QUESTIONS = [
  'hi', 'thanks!', 'What is the capital of France?', 'Tell me a joke', 'How do I bake sourdough bread?',
  'Who won the football world cup in 2018?', 'What time is it in Tokyo?', 'Write a haiku about autumn', 'How do I change a flat tyre?',
  'Recommend a good science fiction novel', 'What is the best way to learn the guitar?', 'How tall is Mount Everest?', 'Translate good morning into Spanish',
  'Where do otters live?', 'How do I make a paper aeroplane?', 'What is the plot of Hamlet?', 'How many legs does a spider have?',
  'Plan a weekend trip to Lisbon', 'What should I cook for dinner tonight?',
];

/** Questions the default other-domain corpus (this repository's docs/) answers, as a user asks them. */
const OTHER_DOMAIN_QUESTIONS = [
  'How do I scale the consumer groups?', 'What does rivulet infra up do?', 'How do I scale Kafka consumer groups?', 'How do I revoke an API key?',
  'How do I replay a consumer group from the beginning?', 'What happens to a message that keeps failing?', 'How do I re-index with another embedding model?',
  'How are token budgets enforced?', 'Which port does the ingress listen on?', 'How do I upload a PDF document?', 'What does the sources frame contain?',
  'How do I cancel a chat that is streaming?', 'How are conversations deleted after a while?', 'What happens when the model provider is down?',
  'How do I erase a tenant\'s data?', 'What is the maximum size of an uploaded document?',
];

const options = readOptions('npm run bench:thresholds -w @rivulet/bench -- [options]', {
  dataset: { type: 'string', default: join(repositoryRoot, '..', 'shared', 'data', 'beir-scifact'), description: 'a BEIR-format folder (corpus.jsonl[.gz], queries.jsonl, qrels/<split>.tsv)' },
  split: { type: 'string', default: 'test', description: 'qrels split' },
  'other-domain': { type: 'string', default: join(repositoryRoot, 'docs'), description: 'a folder of Markdown files from another domain (default: this repository\'s docs/)' },
  'top-k': { type: 'string', default: '5', description: 'sources per question (the chat default topK)' },
  variant: { type: 'string', default: 'int8', description: 'the ONNX file: int8 (what the worker loads) or fp32' },
  seed: { type: 'string', default: 'thresholds', description: 'seed of the query shuffle' },
  documents: { type: 'string', description: 'embed only this many corpus documents (every judged one first, then in file order): fewer distractors, so unrelated scores come out a little lower' },
});
const topK = integerOption('top-k', options['top-k']);
const modelDirectory = defaultModelDirectory(process.env);
const startedAt = Date.now();

const tokenizer = await loadWordPieceTokenizer({ modelDirectory });
const settings = await readModelSettings(modelDirectory);
const maxTokens = settings.maxSequenceLength ?? settings.maxPositions;
const model = await loadModel(modelDirectory, WORKER_DEFAULTS.threads, options.variant === 'fp32' ? 'fp32' : 'int8');

interface Chunked { documentId: string; text: string }
/** As the ingestion worker: parse (normalise), then cut with the model's tokenizer at its defaults. */
const chunkDocument = async (documentId: string, content: string, input: { mimeType?: string; fileName?: string }): Promise<Chunked[]> => {
  const parsed = await parseDocument({ content: Buffer.from(content, 'utf8'), ...input });
  return chunkText(parsed.text, { tokenizer, maxTokens }).map((chunk) => ({ documentId, text: chunk.text }));
};

const datasetFolder = resolve(invocationDirectory(process.env), options.dataset!);
const dataset = await loadBeirDataset(datasetFolder, options.split);
const judgedDocuments = new Set([...dataset.qrels.values()].flatMap((judgements) => [...judgements.keys()]));
const corpus = options.documents === undefined ? dataset.corpus
  : [...dataset.corpus.filter(({ id }) => judgedDocuments.has(id)), ...dataset.corpus.filter(({ id }) => !judgedDocuments.has(id))].slice(0, integerOption('documents', options.documents));
const corpusChunks: Chunked[] = [];
for (const document of corpus) {
  const text = document.text || document.title;
  if (text.trim() !== '') corpusChunks.push(...await chunkDocument(document.id, text, { mimeType: 'text/plain; charset=utf-8' }));
}
const otherFolder = resolve(invocationDirectory(process.env), options['other-domain']!);
const otherFiles = (await readdir(otherFolder, { recursive: true })).filter((name) => name.endsWith('.md')).sort();
const otherChunks: Chunked[] = [];
const headings: string[] = [];
for (const name of otherFiles) {
  const content = await readFile(join(otherFolder, name), 'utf8');
  otherChunks.push(...await chunkDocument(name, content, { fileName: name }));
  // Section headings as questions about that domain ("Retrieval tuning: ef_search and iterative scans").
  headings.push(...content.split('\n').filter((line) => /^#{2,4} \S/.test(line)).map((line) => line.replace(/^#+ /, '').replace(/[`*]/g, '').trim()).filter((line) => line.length >= 12));
}
await closeDocumentParsers();
console.log(`bench:thresholds: ${dataset.name}: ${corpus.length} of ${dataset.corpus.length} documents -> ${corpusChunks.length} chunks, ${dataset.queries.length} queries; other domain ${otherFolder}: ${otherFiles.length} files -> ${otherChunks.length} chunks, ${headings.length} headings`);

const embedStarted = Date.now();
const corpusVectors = await embedAll(model, corpusChunks.map(({ text }) => text), { label: `${dataset.name} chunks` });
const otherVectors = await embedAll(model, otherChunks.map(({ text }) => text), { label: 'other-domain chunks' });
const queryVectors = await embedAll(model, dataset.queries.map(({ text }) => text));
const headingVectors = await embedAll(model, headings);
const everydayVectors = await embedAll(model, EVERYDAY_QUESTIONS);
const askedVectors = await embedAll(model, OTHER_DOMAIN_QUESTIONS);
const embedSeconds = (Date.now() - embedStarted) / 1000;
await model.close();

const dot = (a: Float32Array, b: Float32Array): number => {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += a[index]! * b[index]!;
  return sum;
};
const scoreAll = (query: Float32Array, chunks: readonly Chunked[], vectors: readonly Float32Array[]): ChunkScore[] =>
  vectors.map((vector, index) => ({ documentId: chunks[index]!.documentId, score: dot(query, vector) }));
const best = (query: Float32Array, vectors: readonly Float32Array[], only?: (index: number) => boolean): number =>
  vectors.reduce((max, vector, index) => (only && !only(index) ? max : Math.max(max, dot(query, vector))), -Infinity);

const judged: JudgedQuery[] = dataset.queries.map((query, index) => ({
  chunks: scoreAll(queryVectors[index]!, corpusChunks, corpusVectors),
  relevant: new Set([...(dataset.qrels.get(query.id) ?? new Map<string, number>())].filter(([, gain]) => gain > 0).map(([documentId]) => documentId)),
}));
const inDomain = inDomainScores(judged);

// Shuffled: each query against a small collection of the same domain that does not answer it,
// the documents judged relevant to another query (as a collection holding only an otter article).
const random = createRandom(options.seed!);
const order = dataset.queries.map((_, index) => index);
for (let index = order.length - 1; index > 0; index--) {
  const other = random.integer(0, index);
  [order[index], order[other]] = [order[other]!, order[index]!];
}
const shuffled = judged.flatMap(({ relevant }, index) => {
  const foreign = judged[order[index] === index ? order[(index + 1) % order.length]! : order[index]!]!.relevant;
  if ([...foreign].some((documentId) => relevant.has(documentId))) return [];
  return [best(queryVectors[index]!, corpusVectors, (chunk) => foreign.has(corpusChunks[chunk]!.documentId))];
});
const offTopic = {
  [`${dataset.name} queries vs other domain`]: queryVectors.map((vector) => best(vector, otherVectors)),
  [`other-domain headings vs ${dataset.name}`]: headingVectors.map((vector) => best(vector, corpusVectors)),
  [`everyday questions vs ${dataset.name}`]: everydayVectors.map((vector) => best(vector, corpusVectors)),
  [`everyday questions vs other domain`]: everydayVectors.map((vector) => best(vector, otherVectors)),
  [`shuffled: ${dataset.name} query vs another query's relevant documents`]: shuffled,
};
const onTopic = {
  'other-domain headings vs other domain': headingVectors.map((vector) => best(vector, otherVectors)),
  'other-domain questions vs other domain': askedVectors.map((vector) => best(vector, otherVectors)),
};

const thresholds = Array.from({ length: 29 }, (_, index) => round(index * 0.025, 3));
const table = thresholdTable(judged, offTopic, thresholds, topK, onTopic);
const distributions = {
  [`relevant (query, document) pairs: best chunk`]: distribution(inDomain.relevant),
  [`${dataset.name} queries: best non-relevant chunk`]: distribution(inDomain.bestNonRelevant),
  [`${dataset.name} queries: top-1 chunk`]: distribution(inDomain.top1),
  ...Object.fromEntries(Object.entries(onTopic).map(([name, scores]) => [`on topic (unjudged), ${name}: top-1`, distribution(scores)])),
  ...Object.fromEntries(Object.entries(offTopic).map(([name, scores]) => [`off topic, ${name}: top-1`, distribution(scores)])),
};

console.log(`\nScore distributions (cosine similarity), ${model.version} ${options.variant}:`);
printTable(Object.entries(distributions).map(([name, { count, min, max, percentiles }]) =>
  [name, `n ${count}; min ${min} p5 ${percentiles.p5} p25 ${percentiles.p25} p50 ${percentiles.p50} p75 ${percentiles.p75} p95 ${percentiles.p95} p99 ${percentiles.p99} max ${max}`]));
console.log(`\nCandidate thresholds (top-${topK} sources per question; off: share of questions left with no source; on: share keeping one):`);
const offNames = Object.keys(offTopic);
const onNames = Object.keys(onTopic);
const cells = (values: readonly (string | number)[]) => `  ${values.map((cell) => String(cell).padStart(12)).join('')}`;
console.log(cells(['t', 'rel kept', 'answerable', `P@${topK}`, 'sources', 'in-dom empty', ...offNames.map((_, index) => `off ${index + 1}`), ...onNames.map((_, index) => `on ${index + 1}`)]));
for (const row of table) {
  console.log(cells([row.threshold, row.relevantKept, row.answerableKeepRelevant, row.precisionAtK, row.meanSources, row.inDomainEmpty, ...offNames.map((name) => row.offTopicEmpty[name]!), ...onNames.map((name) => row.onTopicKept[name]!)]));
}
offNames.forEach((name, index) => console.log(`  off ${index + 1}: ${name}`));
onNames.forEach((name, index) => console.log(`  on ${index + 1}: ${name}`));
console.log(`\n  embedding ${corpusChunks.length + otherChunks.length} chunks and ${queryVectors.length + headings.length + EVERYDAY_QUESTIONS.length + OTHER_DOMAIN_QUESTIONS.length} questions: ${round(embedSeconds, 0)} s; wall ${round((Date.now() - startedAt) / 1000, 0)} s`);

const file = await writeResult('thresholds', {
  dataset: { name: dataset.name, folder: datasetFolder, split: options.split, documents: corpus.length, corpusDocuments: dataset.corpus.length, chunks: corpusChunks.length, queries: dataset.queries.length },
  otherDomain: { folder: otherFolder, files: otherFiles.length, chunks: otherChunks.length, headings: headings.length },
  settings: { topK, variant: options.variant, modelVersion: model.version, maxTokens, seed: options.seed },
  distributions, thresholds: table, embedSeconds, wallSeconds: (Date.now() - startedAt) / 1000,
});
console.log(`written ${file}`);
