// Where the time goes inside the pipeline, from the processes' own /metrics: per consumer group,
// the mean time from an event's creation (occurredAt, set by the stage before) to its handling
// (the hop: encode, produce, fetch, decode), and the mean handling time (handler + publishing its
// outputs); plus the embedding worker's texts per model call and the retrieval worker's search
// time. Means come from the _sum and _count of each histogram, read before and after a phase.

/** `name{labels}` to value, for the series this module reads. */
export type Scrape = Map<string, number>;

const WANTED = [
  'rivulet_stage_latency_seconds', 'rivulet_consumer_handle_duration_seconds', 'rivulet_consumer_batch_size',
  'rivulet_embedding_batch_size', 'rivulet_embedding_batch_duration_seconds', 'rivulet_retrieval_search_duration_seconds',
];

const COUNTERS = ['rivulet_embedding_cache_lookups_total'];

/** The _sum and _count series of the wanted histograms, and the wanted counters, in a Prometheus text exposition. */
export const parseHistogramTotals = (text: string): Scrape => {
  const series: Scrape = new Map();
  for (const line of text.split('\n')) {
    const counter = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line.trim());
    if (counter && COUNTERS.includes(counter[1]!)) series.set(`${counter[1]}${counter[2] ?? ''}`, Number(counter[3]));
    const match = /^([a-z_]+)_(sum|count)(\{[^}]*\})?\s+(\S+)$/.exec(line.trim());
    if (!match || !WANTED.includes(match[1]!)) continue;
    series.set(`${match[1]}_${match[2]}${match[3] ?? ''}`, Number(match[4]));
  }
  return series;
};

export const labelOf = (key: string, label: string): string | undefined => new RegExp(`[{,]${label}="([^"]*)"`).exec(key)?.[1];

export interface StageFigures {
  /** Consumer group (prefix removed) to its mean hop into it and mean handling, in ms, and events. */
  groups: Record<string, { events: number; hopMs: number | null; handleMs: number | null; eventsPerBatch: number | null }>;
  embedding: { modelCalls: number; textsPerCall: number | null; callMs: number | null; cacheHits: number; cacheMisses: number };
  retrieval: { searches: number; searchMs: number | null };
}

const mean = (sum: number, count: number, scale = 1000): number | null => (count > 0 ? Math.round((sum / count) * scale * 100) / 100 : null);

/** The difference of two scrapes (every process's series together) as per-stage means. */
export const stageFigures = (before: Scrape, after: Scrape, topicPrefix: string): StageFigures => {
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const total = (metric: string, where: (key: string) => boolean = () => true) =>
    [...after.keys()].filter((key) => key.startsWith(`${metric}{`) || key === metric).filter(where).reduce((sum, key) => sum + delta(key), 0);
  const groups: StageFigures['groups'] = {};
  const groupNames = new Set([...after.keys()].filter((key) => key.startsWith('rivulet_stage_latency_seconds_count')).map((key) => labelOf(key, 'group')!));
  for (const group of groupNames) {
    const inGroup = (key: string) => labelOf(key, 'group') === group;
    const okOnly = (key: string) => inGroup(key) && labelOf(key, 'outcome') === 'ok';
    const events = total('rivulet_stage_latency_seconds_count', inGroup);
    if (events === 0) continue;
    groups[group.startsWith(topicPrefix) ? group.slice(topicPrefix.length) : group] = {
      events,
      hopMs: mean(total('rivulet_stage_latency_seconds_sum', inGroup), events),
      handleMs: mean(total('rivulet_consumer_handle_duration_seconds_sum', okOnly), total('rivulet_consumer_handle_duration_seconds_count', okOnly)),
      eventsPerBatch: mean(total('rivulet_consumer_batch_size_sum', inGroup), total('rivulet_consumer_batch_size_count', inGroup), 1),
    };
  }
  const calls = total('rivulet_embedding_batch_size_count');
  const searches = total('rivulet_retrieval_search_duration_seconds_count');
  return {
    groups,
    embedding: {
      modelCalls: calls, textsPerCall: mean(total('rivulet_embedding_batch_size_sum'), calls, 1), callMs: mean(total('rivulet_embedding_batch_duration_seconds_sum'), calls),
      cacheHits: total('rivulet_embedding_cache_lookups_total', (key) => labelOf(key, 'result') === 'hit'),
      cacheMisses: total('rivulet_embedding_cache_lookups_total', (key) => labelOf(key, 'result') === 'miss'),
    },
    retrieval: { searches, searchMs: mean(total('rivulet_retrieval_search_duration_seconds_sum'), searches) },
  };
};

/** Reads every process's /metrics (ops URLs) into one scrape; keys carry the process name. */
export const scrapeAll = async (opsUrls: Record<string, string | undefined>): Promise<Scrape> => {
  const all: Scrape = new Map();
  for (const [name, url] of Object.entries(opsUrls)) {
    if (url === undefined) continue;
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const [key, value] of parseHistogramTotals(text)) {
      // The process goes in as a label so equal series of two processes stay apart.
      const keyed = key.includes('{') ? key.replace('{', `{process="${name}",`) : `${key}{process="${name}"}`;
      all.set(keyed, value);
    }
  }
  return all;
};
