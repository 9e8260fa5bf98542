import { percentile } from '../support/latency.js';
import { round } from '../support/report.js';

// What a similarity threshold (RETRIEVAL_MIN_SCORE) keeps and drops, from chunk scores measured
// per query: the pure arithmetic of bench:thresholds, tested in test/score-distribution.test.ts.

/** One chunk's cosine similarity to a query, and the document it belongs to. */
export interface ChunkScore { documentId: string; score: number }

export const PERCENTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99] as const;

export interface Distribution { count: number; min: number; max: number; mean: number; percentiles: Record<string, number> }

/** Nearest-rank percentiles (always a measured value), min, max and mean of some scores. */
export const distribution = (scores: readonly number[]): Distribution => {
  const sorted = [...scores].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return {
    count: sorted.length, min: round(sorted[0] ?? Number.NaN, 4), max: round(sorted.at(-1) ?? Number.NaN, 4), mean: round(mean, 4),
    percentiles: Object.fromEntries(PERCENTILES.map((p) => [`p${Math.round(p * 100)}`, round(percentile(sorted, p), 4)])),
  };
};

/** Each document's best chunk, best document first (what a search's first source is). */
export const bestPerDocument = (chunks: readonly ChunkScore[]): ChunkScore[] => {
  const best = new Map<string, number>();
  for (const { documentId, score } of chunks) best.set(documentId, Math.max(best.get(documentId) ?? -Infinity, score));
  return [...best].map(([documentId, score]) => ({ documentId, score })).sort((a, b) => b.score - a.score);
};

/** One judged query's scores: every chunk of the collection, best first, and its relevant documents. */
export interface JudgedQuery { chunks: readonly ChunkScore[]; relevant: ReadonlySet<string> }

export interface InDomainScores {
  /** The best chunk of each relevant (query, document) pair. */
  relevant: number[];
  /** Per query: the best chunk of a document not judged relevant. */
  bestNonRelevant: number[];
  /** Per query: the best chunk of all (the first source a chat would get). */
  top1: number[];
}

export const inDomainScores = (queries: readonly JudgedQuery[]): InDomainScores => {
  const result: InDomainScores = { relevant: [], bestNonRelevant: [], top1: [] };
  for (const { chunks, relevant } of queries) {
    const documents = bestPerDocument(chunks);
    for (const { documentId, score } of documents) if (relevant.has(documentId)) result.relevant.push(score);
    const nonRelevant = documents.find(({ documentId }) => !relevant.has(documentId));
    if (nonRelevant) result.bestNonRelevant.push(nonRelevant.score);
    if (documents[0]) result.top1.push(documents[0].score);
  }
  return result;
};

export interface ThresholdRow {
  threshold: number;
  /** Relevant (query, document) pairs whose best chunk passes, over all relevant pairs. */
  relevantKept: number;
  /** Queries with a relevant document among the top-k chunks whose relevant chunk there still passes, over those queries. */
  answerableKeepRelevant: number;
  /** Of the top-k chunks that pass, the share belonging to a relevant document (precision@k of the sources). */
  precisionAtK: number;
  /** Mean sources per in-domain query after the threshold (at most k). */
  meanSources: number;
  /** In-domain queries left with no source at all. */
  inDomainEmpty: number;
  /** Per off-topic set: queries left with no source (the contract's "empty list when nothing relevant"). */
  offTopicEmpty: Record<string, number>;
  /** Per unjudged on-topic set: queries that keep at least one source. */
  onTopicKept: Record<string, number>;
}

/**
 * For each threshold: what in-domain queries keep (recall of relevant documents, precision of the
 * top-k sources), how many off-topic queries get no source and how many unjudged on-topic ones
 * keep one. `offTopic` and `onTopic` map a set's name to each of its queries' best chunk score.
 */
export const thresholdTable = (
  queries: readonly JudgedQuery[], offTopic: Readonly<Record<string, readonly number[]>>, thresholds: readonly number[], k: number,
  onTopic: Readonly<Record<string, readonly number[]>> = {},
): ThresholdRow[] => {
  const topK = queries.map(({ chunks, relevant }) => ({ top: [...chunks].sort((a, b) => b.score - a.score).slice(0, k), relevant }));
  const relevantPairs = queries.flatMap(({ chunks, relevant }) => bestPerDocument(chunks).filter(({ documentId }) => relevant.has(documentId)).map(({ score }) => score));
  const answerable = topK.filter(({ top, relevant }) => top.some(({ documentId }) => relevant.has(documentId)));
  const share = (count: number, total: number) => (total === 0 ? 0 : round(count / total, 4));
  return thresholds.map((threshold) => {
    const kept = topK.map(({ top, relevant }) => ({ passing: top.filter(({ score }) => score >= threshold), relevant }));
    const passingCount = kept.reduce((sum, { passing }) => sum + passing.length, 0);
    const relevantPassing = kept.reduce((sum, { passing, relevant }) => sum + passing.filter(({ documentId }) => relevant.has(documentId)).length, 0);
    return {
      threshold,
      relevantKept: share(relevantPairs.filter((score) => score >= threshold).length, relevantPairs.length),
      answerableKeepRelevant: share(answerable.filter(({ top, relevant }) => top.some(({ documentId, score }) => relevant.has(documentId) && score >= threshold)).length, answerable.length),
      precisionAtK: share(relevantPassing, passingCount),
      meanSources: round(passingCount / Math.max(1, kept.length), 2),
      inDomainEmpty: share(kept.filter(({ passing }) => passing.length === 0).length, kept.length),
      offTopicEmpty: Object.fromEntries(Object.entries(offTopic).map(([name, best]) => [name, share(best.filter((score) => score < threshold).length, best.length)])),
      onTopicKept: Object.fromEntries(Object.entries(onTopic).map(([name, best]) => [name, share(best.filter((score) => score >= threshold).length, best.length)])),
    };
  });
};
