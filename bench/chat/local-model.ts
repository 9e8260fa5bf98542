// The local chat model's speed (CHAT_PROVIDER=local, the default): the GGUF model that
// `rivulet infra up` installs, loaded by loadLocalChatModel as the generation worker loads it
// (llama.cpp on the CPU, all cores), asked for a ~150-token answer a few times.
import { loadLocalChatModel, resolveLocalModelPath } from '@rivulet/llm';

export interface LocalModelRun {
  firstTokenMs: number;
  doneMs: number;
  outputTokens: number;
  inputTokens: number;
  /** Tokens after the first over the time after the first: the decoding rate. */
  decodeTokensPerSecond: number;
  /** Every output token over the whole time, first token included. */
  overallTokensPerSecond: number;
  finishReason: string;
}

export interface LocalModelResult {
  modelPath: string;
  model: string;
  loadMs: number;
  maxOutputTokens: number;
  runs: LocalModelRun[];
  median: { firstTokenMs: number; decodeTokensPerSecond: number; overallTokensPerSecond: number; outputTokens: number };
}

const PROMPT = [
  { role: 'system' as const, content: 'You are Rivulet, a helpful assistant. Answer accurately and in detail.' },
  { role: 'user' as const, content: 'Explain in several paragraphs how the moon and the sun cause the tides, why there are spring tides and neap tides, and why most coasts have two high tides a day.' },
];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export const measureLocalModel = async ({ rivuletHome, modelPath, runs = 3, maxOutputTokens = 150, threads }: {
  rivuletHome: string; modelPath?: string | undefined; runs?: number; maxOutputTokens?: number; threads?: number | undefined;
}): Promise<LocalModelResult> => {
  const path = resolveLocalModelPath({ RIVULET_HOME: rivuletHome, CHAT_LOCAL_MODEL_PATH: modelPath });
  const loadStarted = performance.now();
  const model = await loadLocalChatModel({ modelPath: path, threads });
  const loadMs = performance.now() - loadStarted;
  const generate = async (limit: number): Promise<LocalModelRun> => {
    const started = performance.now();
    let first: number | undefined;
    for await (const event of model.stream({ messages: PROMPT, maxOutputTokens: limit, temperature: 0, signal: AbortSignal.timeout(120_000) })) {
      if (event.type === 'delta') {
        first ??= performance.now();
        continue;
      }
      const end = performance.now();
      const firstAt = first ?? end;
      const { outputTokens, inputTokens } = event.usage;
      return {
        firstTokenMs: firstAt - started, doneMs: end - started, outputTokens, inputTokens, finishReason: event.finishReason,
        decodeTokensPerSecond: end > firstAt ? (outputTokens - 1) / ((end - firstAt) / 1000) : 0,
        overallTokensPerSecond: outputTokens / ((end - started) / 1000),
      };
    }
    throw new Error('the local model stream ended without an end event');
  };
  try {
    await generate(8); // warm-up: first-use allocations, not part of any run
    const measured: LocalModelRun[] = [];
    for (let run = 0; run < runs; run++) measured.push(await generate(maxOutputTokens));
    return {
      modelPath: path, model: model.model, loadMs, maxOutputTokens, runs: measured,
      median: {
        firstTokenMs: median(measured.map((run) => run.firstTokenMs)),
        decodeTokensPerSecond: median(measured.map((run) => run.decodeTokensPerSecond)),
        overallTokensPerSecond: median(measured.map((run) => run.overallTokensPerSecond)),
        outputTokens: median(measured.map((run) => run.outputTokens)),
      },
    };
  } finally {
    await model.close();
  }
};
