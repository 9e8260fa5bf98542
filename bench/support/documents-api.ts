import { sleep } from './concurrency.js';

export interface DocumentStatus {
  documentId: string;
  collection?: string;
  status: string;
  chunks: number;
  error?: { code: string; message: string };
}

export interface DocumentsApiOptions {
  /** The ingress HTTP base, e.g. `pipeline.url`. */
  baseUrl: string;
  apiKey: string;
  /** Attempts for an upload answered 429/503 or not answered at all (a client retries those, PROTOCOL §3). */
  attempts?: number;
}

/** The public documents API (`docs/protocol.md` §2), as a client uses it. */
export const documentsApi = ({ baseUrl, apiKey, attempts = 5 }: DocumentsApiOptions) => {
  const authorization = `Bearer ${apiKey}`;
  const path = (documentId: string, collection: string) => `${baseUrl}/v1/documents/${encodeURIComponent(documentId)}?collection=${encodeURIComponent(collection)}`;

  /** POSTs until accepted; throws with the answer when the ingress refuses for good. */
  const upload = async (body: () => { body: string | FormData; headers: Record<string, string> }, label: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const { body: payload, headers } = body();
      let status = 0;
      let text = '';
      try {
        const response = await fetch(`${baseUrl}/v1/documents`, { method: 'POST', headers: { authorization, ...headers }, body: payload });
        status = response.status;
        text = await response.text();
        if (status === 202) return;
      } catch (error) {
        text = (error as Error).message;
      }
      const retriable = status === 0 || status === 429 || status === 503;
      if (!retriable || attempt >= attempts) throw new Error(`POST ${label}: ${status || 'no answer'} ${text}`);
      await sleep(200 * 2 ** attempt);
    }
  };

  return {
    /** JSON `{id, collection, title, text}`: stored as text/plain. */
    postText: (document: { id: string; collection: string; title?: string; text: string }) =>
      upload(() => ({ body: JSON.stringify(document), headers: { 'content-type': 'application/json' } }), document.id),
    /** multipart/form-data with a `file` part, so the ingress and parser treat it as the file type it is. */
    postFile: (document: { id: string; collection: string; title?: string; fileName: string; mimeType: string; content: string }) =>
      upload(() => {
        const form = new FormData();
        form.append('id', document.id);
        form.append('collection', document.collection);
        if (document.title) form.append('title', document.title);
        form.append('file', new Blob([document.content], { type: document.mimeType }), document.fileName);
        return { body: form, headers: {} };
      }, document.id),
    get: async (documentId: string, collection: string): Promise<DocumentStatus | undefined> => {
      const response = await fetch(path(documentId, collection), { headers: { authorization } });
      if (response.status === 404) return undefined;
      if (!response.ok) throw new Error(`GET ${documentId}: ${response.status} ${await response.text()}`);
      return (await response.json()) as DocumentStatus;
    },
    delete: async (documentId: string, collection: string): Promise<number> => {
      const response = await fetch(path(documentId, collection), { method: 'DELETE', headers: { authorization } });
      await response.arrayBuffer();
      return response.status;
    },
  };
};

export type DocumentsApi = ReturnType<typeof documentsApi>;
