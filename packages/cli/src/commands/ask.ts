// `rivulet ask "<question>"`: asks over the WebSocket (PROTOCOL.md §1) and streams the answer to the terminal.
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { CLOSE_CODES, RivuletSocket, SocketOpenError, webSocketUrlOf, type ClientFrame } from '@rivulet/protocol';
import { loadConfig, parseDuration } from '@rivulet/config';
import type { CliConfig } from '../context.js';
import { formatMs, warn } from '../output.js';
import { ingestConfigSchema } from './ingest.js';

export { webSocketUrlOf } from '@rivulet/protocol';

/** Flags of `rivulet ask`; URL and key fall back to RIVULET_URL and RIVULET_API_KEY like `rivulet ingest`. */
export interface AskOptions {
  /** Continue this conversation; absent starts a new one. */
  conversation?: string;
  collection?: string;
  /** Commander's string for `--top-k`, checked to be 1..50. */
  topK?: string;
  /** False with `--no-rag`: answer without retrieval. */
  rag?: boolean;
  model?: string;
  /** Print the `done` frame (with `sources` added) as JSON instead of the streamed text. */
  json?: boolean;
  url?: string;
  apiKey?: string;
  /** How long to wait for the whole answer, e.g. `90s`; default 5m. */
  timeout?: string;
}

/** The `chat` frame's fields (PROTOCOL.md §1). */
export interface ChatRequest {
  id: string;
  message: string;
  conversationId?: string;
  collection?: string;
  topK?: number;
  rag?: boolean;
  model?: string;
}

export interface Source {
  n: number;
  documentId: string;
  chunkId?: string;
  title?: string;
  score: number;
  snippet?: string;
}

/** What the session asks its runner to do, in order. */
export type AskEffect =
  | { type: 'stdout'; text: string }
  | { type: 'stderr'; text: string }
  | { type: 'send'; frame: ClientFrame & Record<string, unknown> }
  | { type: 'exit'; code: number };

export const EXIT_INTERRUPTED = 130;
const MAX_MESSAGE_LENGTH = 32_000;

type Frame = Record<string, unknown>;
const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
const textOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const numberOf = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

const sourcesOf = (value: unknown): Source[] =>
  (Array.isArray(value) ? value : []).flatMap((item: unknown): Source[] => {
    if (typeof item !== 'object' || item === null) return [];
    const fields = item as Frame;
    const n = numberOf(fields.n);
    const documentId = textOf(fields.documentId);
    if (n === undefined || documentId === undefined) return [];
    return [{ n, documentId, chunkId: textOf(fields.chunkId), title: textOf(fields.title), score: numberOf(fields.score) ?? 0, snippet: textOf(fields.snippet) }];
  });

/** `[n] title (documentId) score`, or `[n] documentId score` without a title. */
export const formatSource = (source: Source): string => {
  const name = source.title && source.title !== source.documentId ? `${source.title} (${source.documentId})` : source.documentId;
  return `[${source.n}] ${name} ${source.score.toFixed(3)}`;
};

/**
 * The frame handling of one `ask`, free of sockets and terminals: feed it events, apply the effects it returns.
 * Deltas are written in `seq` order (early ones wait for the gap to fill); `reset` starts the text over;
 * `done` completes the text to `done.content`, then lists the sources; `error` exits 1.
 */
export const createAskSession = ({ request, json = false }: { request: ChatRequest; json?: boolean }) => {
  let phase: 'connecting' | 'asked' | 'finished' = 'connecting';
  let interrupted = false;
  let printed = '';
  let nextSeq = 0;
  const early = new Map<number, string>();
  let sources: Source[] = [];
  let conversationId = request.conversationId;

  const finish = (effects: AskEffect[], code: number): AskEffect[] => {
    phase = 'finished';
    return [...effects, { type: 'exit', code }];
  };
  const write = (text: string): AskEffect[] => {
    if (json || text === '') return [];
    printed += text;
    return [{ type: 'stdout', text }];
  };

  const onDelta = (frame: Frame): AskEffect[] => {
    const seq = numberOf(frame.seq);
    const content = textOf(frame.content);
    if (seq === undefined || content === undefined || seq < nextSeq) return [];
    early.set(seq, content);
    const effects: AskEffect[] = [];
    for (let next = early.get(nextSeq); next !== undefined; next = early.get(nextSeq)) {
      early.delete(nextSeq);
      nextSeq += 1;
      effects.push(...write(next));
    }
    return effects;
  };

  const onReset = (): AskEffect[] => {
    const effects: AskEffect[] = [{ type: 'stderr', text: '\n[the answer is being regenerated after a worker failure; starting over]\n' }];
    if (printed !== '' && !json) effects.unshift({ type: 'stdout', text: '\n' });
    printed = '';
    nextSeq = 0;
    early.clear();
    return effects;
  };

  const onDone = (frame: Frame): AskEffect[] => {
    conversationId = textOf(frame.conversationId) ?? conversationId;
    if (json) return finish([{ type: 'stdout', text: `${JSON.stringify({ ...frame, sources })}\n` }], 0);
    const content = textOf(frame.content) ?? printed;
    const effects: AskEffect[] = [];
    if (content.startsWith(printed)) effects.push(...write(content.slice(printed.length)));
    else {
      effects.push({ type: 'stderr', text: '\n[the final answer differs from the streamed text; here it is in full]\n' });
      printed = '';
      effects.push(...write(`\n${content}`));
    }
    if (!printed.endsWith('\n')) effects.push(...write('\n'));
    if (sources.length > 0) effects.push({ type: 'stdout', text: `\nSources:\n${sources.map((source) => `  ${formatSource(source)}\n`).join('')}` });
    const usage = (typeof frame.usage === 'object' && frame.usage !== null ? frame.usage : {}) as Frame;
    const facts = [
      `model ${textOf(frame.model) ?? '?'}${textOf(frame.provider) ? ` (${textOf(frame.provider)})` : ''}`,
      numberOf(frame.latencyMs) === undefined ? undefined : formatMs(numberOf(frame.latencyMs)),
      numberOf(usage.inputTokens) === undefined ? undefined : `${numberOf(usage.inputTokens)} in / ${numberOf(usage.outputTokens) ?? 0} out tokens`,
      numberOf(frame.costUsd) === undefined ? undefined : `$${numberOf(frame.costUsd)!.toFixed(4)}`,
    ].filter((fact) => fact !== undefined);
    effects.push({ type: 'stderr', text: `\n${facts.join(' · ')}\nconversation ${conversationId ?? '?'} (continue with --conversation ${conversationId ?? '?'})\n` });
    return finish(effects, 0);
  };

  const onError = (frame: Frame): AskEffect[] => {
    const code = textOf(frame.code) ?? 'internal';
    const retryAfterMs = numberOf(frame.retryAfterMs);
    const retry = retryAfterMs === undefined ? '' : ` (retry after ${formatMs(retryAfterMs)})`;
    const effects: AskEffect[] = [];
    if (printed !== '' && !printed.endsWith('\n')) effects.push({ type: 'stdout', text: '\n' });
    if (json) effects.push({ type: 'stdout', text: `${JSON.stringify(frame)}\n` });
    effects.push({ type: 'stderr', text: `error ${code}: ${textOf(frame.message) ?? 'the request failed'}${retry}\n` });
    return finish(effects, interrupted && code === 'cancelled' ? EXIT_INTERRUPTED : 1);
  };

  return {
    get finished(): boolean {
      return phase === 'finished';
    },
    get conversationId(): string | undefined {
      return conversationId;
    },

    /** A frame from the server, already parsed from JSON. */
    receive(value: unknown): AskEffect[] {
      if (phase === 'finished' || typeof value !== 'object' || value === null) return [];
      const frame = value as Frame;
      if (frame.type === 'ready' && phase === 'connecting') {
        phase = 'asked';
        return [{ type: 'send', frame: withoutUndefined({ type: 'chat' as const, ...request }) }];
      }
      // Errors without an id concern the connection or a malformed frame: they end this one-question session too.
      if (frame.type === 'error' && (frame.id === undefined || frame.id === request.id)) return onError(frame);
      if (frame.id !== request.id) return [];
      switch (frame.type) {
        case 'ack':
          conversationId = textOf(frame.conversationId) ?? conversationId;
          return [];
        case 'sources':
          sources = sourcesOf(frame.sources);
          return [];
        case 'delta':
          return onDelta(frame);
        case 'reset':
          return onReset();
        case 'done':
          return onDone(frame);
        default:
          return [];
      }
    },

    /** Ctrl-C: cancel a question in flight (the `cancelled` error then exits 130), or leave at once. */
    interrupt(): AskEffect[] {
      if (phase === 'finished') return [];
      if (interrupted || phase === 'connecting') return finish([{ type: 'stderr', text: '\ninterrupted\n' }], EXIT_INTERRUPTED);
      interrupted = true;
      return [{ type: 'stderr', text: '\n[cancelling; Ctrl-C again to quit at once]\n' }, { type: 'send', frame: { type: 'cancel', id: request.id } }];
    },

    /** The socket closed (or never opened) before the answer was complete. */
    closed(code: number, reason: string): AskEffect[] {
      if (phase === 'finished') return [];
      if (interrupted) return finish([], EXIT_INTERRUPTED);
      const lead: AskEffect[] = printed !== '' && !printed.endsWith('\n') ? [{ type: 'stdout', text: '\n' }] : [];
      const message = code === CLOSE_CODES.unauthorized
        ? 'error unauthorized: the ingress refused the API key; pass --api-key or set RIVULET_API_KEY'
        : code === CLOSE_CODES.tooLarge
          ? 'error payload_too_large: the question is larger than the ingress accepts'
          : `error connection_closed: the ingress closed the connection (${code}${reason ? ` ${reason}` : ''}) before the answer was complete`;
      return finish([...lead, { type: 'stderr', text: `${message}\n` }], 1);
    },

    /** No answer within --timeout. */
    timedOut(limit: string): AskEffect[] {
      if (phase === 'finished') return [];
      const cancel: AskEffect[] = phase === 'asked' ? [{ type: 'send', frame: { type: 'cancel', id: request.id } }] : [];
      return finish([...cancel, { type: 'stderr', text: `\nerror timeout: no complete answer within ${limit}\n` }], 1);
    },
  };
};

export type AskSession = ReturnType<typeof createAskSession>;

export interface RunAskOptions {
  /** `ws://…/v1/ws` or `wss://…/v1/ws`. */
  webSocketUrl: string;
  apiKey: string;
  request: ChatRequest;
  json?: boolean;
  timeoutMs: number;
  timeoutLabel?: string;
  /** Ctrl-C: the first cancels the question (exit 130 once the server confirms, or after 2 s), a second one quits. */
  interrupts?: { on: (listener: () => void) => void };
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** Why the socket could not open, as `rivulet ask` has always said it. */
const openFailure = (error: unknown): string =>
  error instanceof SocketOpenError && error.status !== undefined
    ? `the ingress answered HTTP ${error.status} instead of opening the WebSocket`
    : (error as Error).message;

/** Connects with the key in the Authorization header, runs one session to its end and returns the exit code. */
export const runAsk = ({
  webSocketUrl, apiKey, request, json = false, timeoutMs, timeoutLabel = `${timeoutMs} ms`, interrupts,
  stdout = (text) => void process.stdout.write(text), stderr = (text) => void process.stderr.write(text),
}: RunAskOptions): Promise<number> => new Promise((resolve) => {
  const session = createAskSession({ request, json });
  let socket: RivuletSocket | undefined;
  let connectionError: string | undefined;
  let settled = false;

  const apply = (effects: AskEffect[]): void => {
    for (const effect of effects) {
      if (effect.type === 'stdout') stdout(effect.text);
      else if (effect.type === 'stderr') stderr(effect.text);
      else if (effect.type === 'send' && socket?.isOpen) socket.send(effect.frame);
      else if (effect.type === 'exit') settle(effect.code);
    }
  };
  const closeSocket = (open: RivuletSocket): void => {
    // Give a final cancel frame the chance to leave before closing.
    if (open.isOpen) setImmediate(() => open.close(1000));
    else open.terminate();
  };
  const settle = (code: number): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (socket !== undefined) closeSocket(socket);
    resolve(code);
  };
  const unavailable = (): void => {
    stderr(`error unavailable: cannot reach the ingress at ${webSocketUrl} (${connectionError}); start it with \`rivulet start\` or \`rivulet ingress\`, or set RIVULET_URL / --url\n`);
    settle(1);
  };
  const timer = setTimeout(() => apply(session.timedOut(timeoutLabel)), timeoutMs);

  interrupts?.on(() => {
    apply(session.interrupt());
    // The server answers a cancel with an error frame; do not wait for it forever.
    if (!settled) setTimeout(() => apply(session.interrupt()), 2000).unref();
  });
  RivuletSocket.open({ url: webSocketUrl, apiKey, maxPayload: 64 * 1024 * 1024 }).then((opened) => {
    socket = opened;
    if (settled) return closeSocket(opened);
    opened.raw.on('error', (error) => {
      connectionError ??= error.message;
    });
    opened.onFrame((frame) => apply(session.receive(frame)));
    opened.onClose(({ code, reason }) => {
      if (connectionError !== undefined && !session.finished) unavailable();
      else apply(session.closed(code, reason));
    });
  }, (error: unknown) => {
    connectionError = openFailure(error);
    if (!session.finished) unavailable();
  });
});

/** Checks the flags into a `chat` request; a string is a usage error to print (exit 2). */
export const chatRequestOf = (words: readonly string[], options: AskOptions, id: string = randomUUID()): ChatRequest | string => {
  const message = words.join(' ').trim();
  if (message === '') return 'Give a question: rivulet ask "What does the ingress do?"';
  if (message.length > MAX_MESSAGE_LENGTH) return `The question has ${message.length} characters; at most ${MAX_MESSAGE_LENGTH} are accepted.`;
  let topK: number | undefined;
  if (options.topK !== undefined) {
    topK = Number(options.topK);
    if (!Number.isInteger(topK) || topK < 1 || topK > 50) return `--top-k: expected a whole number from 1 to 50, got "${options.topK}"`;
  }
  if (options.conversation !== undefined && (options.conversation === '' || options.conversation.length > 128)) return '--conversation: expected an id of 1 to 128 characters';
  return {
    id, message, conversationId: options.conversation, collection: options.collection, topK,
    rag: options.rag === false ? false : undefined, model: options.model,
  };
};

export const ask = async (_config: CliConfig, words: string[], options: AskOptions): Promise<number> => {
  const settings = loadConfig(ingestConfigSchema);
  const request = chatRequestOf(words, options);
  if (typeof request === 'string') {
    warn(request);
    return 2;
  }
  let webSocketUrl: string;
  let timeoutMs: number;
  try {
    webSocketUrl = webSocketUrlOf(options.url ?? settings.RIVULET_URL);
  } catch {
    warn(`--url: expected an http(s) URL such as http://127.0.0.1:8080, got "${options.url}"`);
    return 2;
  }
  try {
    timeoutMs = parseDuration(options.timeout ?? '5m');
  } catch (error) {
    warn(`--timeout: ${(error as Error).message}`);
    return 2;
  }
  const listeners: (() => void)[] = [];
  const onSigint = (): void => listeners.forEach((listener) => listener());
  process.on('SIGINT', onSigint);
  try {
    return await runAsk({
      webSocketUrl, apiKey: options.apiKey ?? settings.RIVULET_API_KEY, request, json: options.json === true,
      timeoutMs, timeoutLabel: options.timeout ?? '5m', interrupts: { on: (listener) => listeners.push(listener) },
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
};

/** main.ts's `action` wrapper: loads the CLI config, runs the work, records its exit code. */
export type CommandAction = <Arguments extends unknown[]>(
  work: (config: CliConfig, ...args: Arguments) => Promise<number>,
) => (...args: Arguments) => Promise<void>;

/** Adds `rivulet ask` to the program. */
export const registerAskCommand = (program: Command, action: CommandAction): Command =>
  program
    .command('ask')
    .description('Ask a question; the answer streams to standard output, followed by its numbered sources. Ctrl-C cancels.')
    .argument('<question...>', 'the question (quote it, or give it as several words)')
    .option('--conversation <id>', 'continue this conversation (its id is printed after each answer)')
    .option('-c, --collection <name>', 'collection to search for sources (default: default)')
    .option('--top-k <n>', 'how many chunks to retrieve, 1 to 50')
    .option('--no-rag', 'answer without retrieving sources')
    .option('--model <name>', 'model to ask (default: auto)')
    .option('--json', 'print the final `done` frame, with its sources, as one JSON object instead of streaming text')
    .option('--url <url>', 'ingress base URL (default: RIVULET_URL, else http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (default: RIVULET_API_KEY, else the development key)')
    .option('--timeout <duration>', 'how long to wait for the whole answer, e.g. 90s, 10m', '5m')
    .action(action((config, words: string[], options: AskOptions) => ask(config, words, options)));
