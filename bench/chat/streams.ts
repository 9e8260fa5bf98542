import { summarize, type LatencySummary } from '../support/latency.js';

/** What every answer reports, through the pipeline or in-process. */
export interface Answered {
  firstDeltaMs: number;
  doneMs: number;
}

export interface StreamsResult<T extends Answered> {
  streams: number;
  requests: number;
  /** Answers (warm-up ones left out), in completion order. */
  answers: T[];
  firstDelta: LatencySummary;
  done: LatencySummary;
  /** Wall time of the measured part; answers per second = requests / seconds. */
  seconds: number;
}

/**
 * A closed loop: `streams` lanes at once, each asking `perStream` questions one after another
 * (the next as soon as the previous is done), after `warmUpPerStream` unmeasured ones. So exactly
 * `streams` answers are in flight at any moment, as with that many users each waiting for their
 * answer before asking again.
 */
export const runStreams = async <T extends Answered>({ streams, perStream, warmUpPerStream = 0, ask }: {
  streams: number;
  perStream: number;
  warmUpPerStream?: number;
  ask: (lane: number, index: number) => Promise<T>;
}): Promise<StreamsResult<T>> => {
  const answers: T[] = [];
  let started = 0;
  let warmedUp = 0;
  let allWarm!: () => void;
  const warm = new Promise<void>((resolve) => (allWarm = resolve));
  if (warmUpPerStream === 0) allWarm();
  const lane = async (laneIndex: number) => {
    for (let index = 0; index < warmUpPerStream; index++) await ask(laneIndex, index);
    if (warmUpPerStream > 0 && ++warmedUp === streams) allWarm();
    // Every lane starts measuring together, so the measured answers all run `streams` at a time.
    await warm;
    started ||= performance.now();
    for (let index = warmUpPerStream; index < warmUpPerStream + perStream; index++) answers.push(await ask(laneIndex, index));
  };
  await Promise.all(Array.from({ length: streams }, (_, index) => lane(index)));
  const seconds = (performance.now() - started) / 1000;
  return {
    streams, requests: answers.length, answers, seconds,
    firstDelta: summarize(answers.map((answer) => answer.firstDeltaMs)),
    done: summarize(answers.map((answer) => answer.doneMs)),
  };
};
