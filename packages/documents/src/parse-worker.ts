import { parentPort } from 'node:worker_threads';
import { DocumentError } from './errors.js';
import { parseContent } from './parse-content.js';
import type { ParseRequest, ParseResponse } from './parser-thread.js';

/** Entry point of a parser thread (see parser-thread.ts): one request at a time, one response each. */
if (!parentPort) throw new Error('parse-worker runs only as a worker thread started by parser-thread.ts');
const port = parentPort;

const handle = async (request: ParseRequest): Promise<ParseResponse> => {
  try {
    const document = await parseContent(request, request.limits);
    return { id: request.id, ok: true, document };
  } catch (error) {
    if (error instanceof DocumentError) return { id: request.id, ok: false, code: error.code, message: error.message };
    return { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
};

port.on('message', (request: ParseRequest) => {
  void handle(request).then((response) => port.postMessage(response));
});
