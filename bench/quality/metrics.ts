import type { Qrels } from './beir.js';

/** One retrieved document and its score (higher is better). */
export interface Scored { documentId: string; score: number }

/**
 * The ranking trec_eval (and so pytrec_eval, BEIR and MTEB) evaluates: by score, highest first;
 * equal scores by document id, descending. With `ignoreIdenticalIds` (BEIR's default), a document
 * whose id equals the query's is dropped first.
 */
export const rankingOf = (results: readonly Scored[], queryId: string, ignoreIdenticalIds = true): string[] =>
  results
    .filter((result) => !ignoreIdenticalIds || result.documentId !== queryId)
    .sort((a, b) => b.score - a.score || (a.documentId < b.documentId ? 1 : a.documentId > b.documentId ? -1 : 0))
    .map((result) => result.documentId);

/**
 * nDCG@k as trec_eval's ndcg_cut computes it: gain = the judged relevance (linear, not 2^rel - 1),
 * discount 1/log2(rank + 1), ideal DCG from the judged relevances themselves sorted descending
 * (not from what was retrieved). Unjudged and non-positive documents gain nothing.
 */
export const ndcgAt = (ranking: readonly string[], judged: ReadonlyMap<string, number>, k: number): number => {
  let dcg = 0;
  ranking.slice(0, k).forEach((documentId, index) => {
    const gain = judged.get(documentId) ?? 0;
    if (gain > 0) dcg += gain / Math.log2(index + 2);
  });
  const ideal = [...judged.values()].filter((gain) => gain > 0).sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((sum, gain, index) => sum + gain / Math.log2(index + 2), 0);
  return idcg > 0 ? dcg / idcg : 0;
};

/** Recall@k: relevant documents in the first k over all relevant documents of the query. */
export const recallAt = (ranking: readonly string[], judged: ReadonlyMap<string, number>, k: number): number => {
  const relevant = [...judged].filter(([, gain]) => gain > 0).map(([documentId]) => documentId);
  if (relevant.length === 0) return 0;
  const top = new Set(ranking.slice(0, k));
  return relevant.filter((documentId) => top.has(documentId)).length / relevant.length;
};

export interface Scores { ndcgAt10: number; recallAt10: number; recallAt100: number; queries: number }

/**
 * Mean nDCG@10, Recall@10 and Recall@100 over the judged queries that were run, as pytrec_eval
 * averages them: a query run with an empty result, or with no relevant document in the qrels,
 * scores 0; a judged query that was not run at all (absent from `results`) is left out.
 */
export const evaluate = (results: ReadonlyMap<string, readonly Scored[]>, qrels: Qrels, { ignoreIdenticalIds = true } = {}): Scores & { perQuery: Map<string, number> } => {
  let ndcg = 0, recall10 = 0, recall100 = 0, queries = 0;
  const perQuery = new Map<string, number>();
  for (const [queryId, judged] of qrels) {
    const retrieved = results.get(queryId);
    if (retrieved === undefined) continue;
    const ranking = rankingOf([...retrieved], queryId, ignoreIdenticalIds);
    const queryNdcg = ndcgAt(ranking, judged, 10);
    perQuery.set(queryId, queryNdcg);
    ndcg += queryNdcg;
    recall10 += recallAt(ranking, judged, 10);
    recall100 += recallAt(ranking, judged, 100);
    queries++;
  }
  const mean = (value: number) => (queries ? value / queries : 0);
  return { ndcgAt10: mean(ndcg), recallAt10: mean(recall10), recallAt100: mean(recall100), queries, perQuery };
};
