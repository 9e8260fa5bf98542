import { withTenant, type Pool } from '@rivulet/store';
import { mapLimit, sleep } from './concurrency.js';
import type { DocumentsApi } from './documents-api.js';
import { CHUNK_ROWS, FAILED_DOCUMENTS, STATUS_COUNTS } from './queries.js';
import { elapsedSince, round } from './report.js';

export interface IngestionTimings {
  documents: number;
  completed: number;
  failed: number;
  chunks: number;
  /** First POST to last 202. */
  uploadSeconds: number;
  /** First POST to the moment every document was completed or failed. */
  totalSeconds: number;
  failures: { document_id: string; error_code: string | null; error_message: string | null }[];
}

interface StatusRow { status: string; documents: number; chunks: number }

/**
 * Uploads every document through the public API (`concurrency` at a time) and waits until each
 * is `completed` or `failed`. Completion is read from the documents table, which is what
 * `GET /v1/documents/{id}` answers from: one query a second instead of a GET per document.
 * A `failed` row counts only once every upload has been answered (the ingress writes a
 * provisional `failed` before it publishes, see docs/decisions/0006-ingress.md).
 */
export const ingestAndWait = async <D>({ pool, tenant, collection, documents, concurrency, upload, timeoutMs, label }: {
  pool: Pool;
  tenant: string;
  collection: string;
  documents: readonly D[];
  concurrency: number;
  upload: (document: D) => Promise<void>;
  timeoutMs: number;
  label: string;
}): Promise<IngestionTimings> => {
  const started = process.hrtime.bigint();
  let uploaded = 0;
  let uploadSeconds: number | undefined;
  let uploadError: Error | undefined;
  const uploads = mapLimit(documents, concurrency, async (document) => {
    await upload(document);
    uploaded++;
  }).then(
    () => void (uploadSeconds = elapsedSince(started)),
    (error: unknown) => void (uploadError = error instanceof Error ? error : new Error(String(error))),
  );

  const counts = async () => {
    const { rows } = await withTenant(pool, tenant, (client) => client.query<StatusRow>(STATUS_COUNTS, [tenant, collection]));
    const of = (status: string) => rows.find((row) => row.status === status);
    return { completed: of('completed')?.documents ?? 0, failed: of('failed')?.documents ?? 0, processing: of('processing')?.documents ?? 0, chunks: of('completed')?.chunks ?? 0 };
  };
  let lastReport = 0;
  for (;;) {
    if (uploadError !== undefined) throw uploadError;
    const now = await counts();
    const elapsed = elapsedSince(started);
    const uploadsDone = uploadSeconds !== undefined;
    if (uploadsDone && now.completed + now.failed >= documents.length) {
      await uploads;
      const { rows: failures } = await withTenant(pool, tenant, (client) => client.query<IngestionTimings['failures'][number]>(FAILED_DOCUMENTS, [tenant, collection]));
      return { documents: documents.length, completed: now.completed, failed: now.failed, chunks: now.chunks, uploadSeconds: uploadSeconds!, totalSeconds: elapsed, failures };
    }
    if (elapsed * 1000 > timeoutMs) throw new Error(`${label}: not done after ${round(elapsed, 0)} s (uploaded ${uploaded}, completed ${now.completed}, failed ${now.failed})`);
    if (elapsed - lastReport >= 15) {
      lastReport = elapsed;
      console.log(`  ${label}: ${round(elapsed, 0)} s, uploaded ${uploaded}/${documents.length}, completed ${now.completed}, processing ${now.processing}, chunks done ${now.chunks} (${round(now.chunks / elapsed, 1)}/s)`);
    }
    await sleep(250);
  }
};

/** Deletes the documents through the API, then waits (bounded) until the pipeline reports each one deleted and its chunk rows are gone. */
export const deleteAndWait = async ({ pool, api, tenant, collection, documentIds, concurrency, timeoutMs = 300_000 }: {
  pool: Pool; api: DocumentsApi; tenant: string; collection: string; documentIds: readonly string[]; concurrency: number; timeoutMs?: number;
}): Promise<{ seconds: number; notYetDeleted: number; chunkRowsLeft: number }> => {
  const started = process.hrtime.bigint();
  await mapLimit(documentIds, concurrency, async (id) => {
    const status = await api.delete(id, collection);
    if (status !== 202 && status !== 404) throw new Error(`DELETE ${id}: ${status}`);
  });
  for (;;) {
    const { rows: statuses } = await withTenant(pool, tenant, (client) => client.query<StatusRow>(STATUS_COUNTS, [tenant, collection]));
    const notYetDeleted = statuses.filter((row) => row.status !== 'deleted').reduce((sum, row) => sum + row.documents, 0);
    const { rows } = await withTenant(pool, tenant, (client) => client.query<{ rows: number }>(CHUNK_ROWS, [tenant, collection]));
    const chunkRowsLeft = rows[0]?.rows ?? 0;
    if ((notYetDeleted === 0 && chunkRowsLeft === 0) || elapsedSince(started) * 1000 > timeoutMs) return { seconds: round(elapsedSince(started), 1), notYetDeleted, chunkRowsLeft };
    await sleep(500);
  }
};
