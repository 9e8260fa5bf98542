// The arithmetic of the verdict, apart from the measuring so that it can be checked by hand
// (test/chat.test.ts).
import type { LatencySummary } from '../support/latency.js';

/** Kafka hops from the `chat` frame to the first delta: requests -> queries-embedded -> contexts-retrieved -> replies. */
export const HOPS_TO_FIRST_DELTA = 4;

/** Targets: overhead p50 within the hops' own time plus this; overhead p99 at 20 streams within the second. */
export const TARGETS = { p50SlackMs: 10, p99At20StreamsMs: 60 } as const;

export interface OverheadFigures {
  /** Pipeline minus in-process, per percentile (a difference of percentiles: the samples are not paired). */
  p50: number;
  p99: number;
  /** hops × raw hop p50: what the Kafka hops alone cost at the median. */
  hopsBudgetMs: number;
  /** overhead p50 / (hops × raw hop p50). 1 means the overhead is exactly the hops' time. */
  ratio: number | null;
  /** overhead p50 <= hops × raw hop p50 + 10 ms. */
  p50Pass: boolean;
  /** overhead p99 <= 60 ms (judged at 20 streams only; null elsewhere). */
  p99Pass: boolean | null;
}

export const overheadOf = ({ pipeline, inProcess, rawHopP50Ms, hops = HOPS_TO_FIRST_DELTA, judgeP99 }: {
  pipeline: Pick<LatencySummary, 'p50' | 'p99'>;
  inProcess: Pick<LatencySummary, 'p50' | 'p99'>;
  rawHopP50Ms: number;
  hops?: number;
  judgeP99: boolean;
}): OverheadFigures => {
  const p50 = pipeline.p50 - inProcess.p50;
  const p99 = pipeline.p99 - inProcess.p99;
  const hopsBudgetMs = hops * rawHopP50Ms;
  return {
    p50, p99, hopsBudgetMs,
    ratio: hopsBudgetMs > 0 ? Math.round((p50 / hopsBudgetMs) * 100) / 100 : null,
    p50Pass: p50 <= hopsBudgetMs + TARGETS.p50SlackMs,
    p99Pass: judgeP99 ? p99 <= TARGETS.p99At20StreamsMs : null,
  };
};

/** An aligned table with a header row, for the terminal. */
export const formatGrid = (header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string[] => {
  const cells = [header, ...rows].map((row) => row.map((cell) => (cell === null ? 'n/a' : String(cell))));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  return cells.map((row, index) => {
    const line = `  ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')}`;
    return index === 0 ? `${line}\n  ${widths.map((width) => '-'.repeat(width)).join('  ')}` : line;
  });
};
