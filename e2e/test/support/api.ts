import { request } from 'node:http';
import type { Pipeline } from './pipeline.js';

export interface DocumentStatus {
  documentId: string;
  status: string;
  chunks: number;
  error?: { code: string; message: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The public HTTP API, as a client uses it. */
export const api = (pipeline: Pipeline) => {
  const headers = { authorization: `Bearer ${pipeline.apiKey}` };
  return {
    postText: async (document: { id?: string; collection?: string; title?: string; text: string; metadata?: Record<string, string> }) => {
      const response = await fetch(`${pipeline.url}/v1/documents`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(document) });
      return { status: response.status, body: (await response.json()) as { documentId: string; status: string; error?: { code: string } } };
    },
    postFile: async (file: { name: string; type: string; content: Uint8Array }, fields: Record<string, string> = {}) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append('file', new Blob([file.content], { type: file.type }), file.name);
      const response = await fetch(`${pipeline.url}/v1/documents`, { method: 'POST', headers, body: form });
      return { status: response.status, body: (await response.json()) as { documentId: string; status: string; error?: { code: string } } };
    },
    /**
     * A large upload as a careful client sends one: `Expect: 100-continue`, so the server can
     * refuse it (413) from its headers before a byte of the body travels. The body is sent only
     * if the server says continue. Rejects (never hangs) on a connection error or after 30 s.
     */
    postLarge: (content: Buffer, fileName: string): Promise<{ status: number; body: { error?: { code: string } } }> =>
      new Promise((resolve, reject) => {
        const boundary = `rivulet${Date.now()}`;
        const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/plain\r\n\r\n`);
        const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
        const req = request(`${pipeline.url}/v1/documents`, {
          method: 'POST',
          headers: { ...headers, expect: '100-continue', 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + content.length + tail.length },
        });
        let answered = false;
        req.setTimeout(30_000, () => req.destroy(new Error('no answer to the large upload within 30 s')));
        req.on('continue', () => {
          req.write(head);
          req.write(content);
          req.end(tail);
        });
        req.on('response', (response) => {
          answered = true;
          let text = '';
          const finish = (): void => {
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(text || '{}') as { error?: { code: string } } });
            req.destroy();
          };
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.once('end', finish);
        });
        req.on('error', (error) => (answered ? undefined : reject(error)));
        req.flushHeaders();
      }),
    get: async (documentId: string, collection = 'default'): Promise<{ status: number; body: DocumentStatus }> => {
      const response = await fetch(`${pipeline.url}/v1/documents/${encodeURIComponent(documentId)}?collection=${encodeURIComponent(collection)}`, { headers });
      return { status: response.status, body: (await response.json()) as DocumentStatus };
    },
    delete: async (documentId: string, collection = 'default') => {
      const response = await fetch(`${pipeline.url}/v1/documents/${encodeURIComponent(documentId)}?collection=${encodeURIComponent(collection)}`, { method: 'DELETE', headers });
      return response.status;
    },
    /** Polls until the document reaches one of `statuses` (default: completed or failed). */
    waitFor: async (documentId: string, { statuses = ['completed', 'failed'], timeoutMs = 120_000, collection = 'default', version }: { statuses?: string[]; timeoutMs?: number; collection?: string; version?: number } = {}) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await fetch(`${pipeline.url}/v1/documents/${encodeURIComponent(documentId)}?collection=${encodeURIComponent(collection)}`, { headers });
        if (response.ok) {
          const body = (await response.json()) as DocumentStatus;
          if (statuses.includes(body.status)) return body;
        }
        if (Date.now() > deadline) throw new Error(`document ${documentId} not ${statuses.join('/')} after ${timeoutMs} ms${version ? ` (v${version})` : ''}`);
        await sleep(150);
      }
    },
  };
};
