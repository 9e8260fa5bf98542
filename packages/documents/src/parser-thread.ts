import { Worker } from 'node:worker_threads';
import type { DocumentInput } from './detect.js';
import { DocumentError, isDocumentErrorCode, type DocumentErrorCode } from './errors.js';
import type { ResolvedParseLimits } from './limits.js';
import type { ParsedDocument } from './parse-content.js';

/** What crosses to the parser thread and back. */
export interface ParseRequest extends DocumentInput {
  readonly id: number;
  readonly limits: ResolvedParseLimits;
}
export type ParseResponse =
  | { readonly id: number; readonly ok: true; readonly document: ParsedDocument }
  | { readonly id: number; readonly ok: false; readonly code?: DocumentErrorCode; readonly message: string };

/**
 * Parses run in worker threads because PDF.js (and any parser fed a hostile file) works synchronously
 * for as long as it likes: only a thread can be stopped mid-parse, by terminating it. Threads are reused
 * while healthy; a timed-out or crashed thread is thrown away. Idle threads are unref'd and never keep
 * the process alive.
 */
const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(`./parse-worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
const maxIdleWorkers = 2;
/** V8 heap of one parser thread. Buffers that PDF.js inflates live outside it; pdf-streams.ts bounds those. */
const heapLimitMb = 1024;

const idle: Worker[] = [];
let lastId = 0;

/**
 * Built code starts dist/parse-worker.js. Run from source (tests under `node --import tsx`), a worker
 * does not inherit tsx's loader on Node 20, so a two-line bootstrap registers it first.
 */
const startWorker = (): Worker => {
  const resourceLimits = { maxOldGenerationSizeMb: heapLimitMb };
  if (!fromSource) return new Worker(workerUrl, { resourceLimits });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const bootstrap = `import(${tsx}).then(({ register }) => { register(); return import(${JSON.stringify(workerUrl.href)}); });`;
  return new Worker(bootstrap, { eval: true, resourceLimits });
};

const spawn = (): Worker => {
  const worker = startWorker();
  // A parse in flight gets its thread's errors through its own listener; this one only keeps an error
  // from a thread nobody is waiting on from becoming an uncaught exception.
  worker.on('error', () => undefined);
  worker.on('exit', () => {
    const index = idle.indexOf(worker);
    if (index >= 0) idle.splice(index, 1);
  });
  return worker;
};

const release = (worker: Worker): void => {
  if (idle.length >= maxIdleWorkers) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle.push(worker);
};

export interface ThreadOptions {
  readonly timeoutMs: number;
  /** How messages name the document, e.g. `"report.pdf"`. */
  readonly name: string;
  readonly transfer: ArrayBuffer[];
}

export const parseInThread = (request: Omit<ParseRequest, 'id'>, options: ThreadOptions): Promise<ParsedDocument> =>
  new Promise((resolve, reject) => {
    const { timeoutMs, name, transfer } = options;
    const worker = idle.pop() ?? spawn();
    worker.ref();
    const id = ++lastId;
    const finish = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (response: ParseResponse): void => {
      if (response.id !== id) return;
      finish();
      release(worker);
      if (response.ok) resolve(response.document);
      else reject(response.code && isDocumentErrorCode(response.code) ? new DocumentError(response.code, response.message) : new Error(response.message));
    };
    const onError = (error: Error & { code?: string }): void => {
      finish();
      void worker.terminate();
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        reject(new DocumentError('too_large', `${name} needs more than ${heapLimitMb} MB of memory to parse, so it was stopped. Split it into smaller documents.`, { cause: error }));
      } else {
        reject(new Error(`The document parser thread failed: ${error.message}`, { cause: error }));
      }
    };
    const onExit = (exitCode: number): void => {
      finish();
      reject(new Error(`The document parser thread exited unexpectedly with code ${exitCode}`));
    };
    const timer = setTimeout(() => {
      finish();
      void worker.terminate();
      reject(new DocumentError('parse_timeout',
        `${name} took longer than ${timeoutMs} ms to parse and was stopped. A document this slow to read is usually damaged or built to ` +
        'exhaust parsers; re-export it (for example print it to a new PDF) or split it into smaller files.'));
    }, timeoutMs);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ ...request, id } satisfies ParseRequest, transfer);
  });

/** Terminates the idle parser threads (for a graceful shutdown or the end of a test run). */
export const closeParserThreads = async (): Promise<void> => {
  await Promise.all(idle.splice(0).map((worker) => worker.terminate()));
};
