// The indexer's sweep of documents nothing will finish: every interval, the documents left
// accepted or processing for longer than DOCUMENT_PROCESSING_TIMEOUT are failed (failStaleDocuments)
// and a document-indexed (failed) is published for each, before the transaction commits. Every
// indexer instance sweeps; SKIP LOCKED shares the rows out, so each is failed once. A failed round
// is logged and counted, and the next interval tries again.
import { randomUUID } from 'node:crypto';
import type { EventProducer } from '@rivulet/kafka';
import { documentKey, TOPICS, type EventRecords } from '@rivulet/schemas';
import { startRounds, type Service } from '@rivulet/service';
import { failStaleDocuments, PROCESSING_TIMEOUT, type FailedDocument, type Pool } from '@rivulet/store';

export interface DocumentSweepOptions {
  pool: Pool;
  producer: Pick<EventProducer<EventRecords>, 'send'>;
  /** A document accepted or processing with no step for longer than this (milliseconds) is failed. */
  timeoutMs: number;
  /** Time from the end of one round to the start of the next. */
  intervalMs: number;
  logger: Pick<Service['logger'], 'info' | 'error'>;
  metrics: Pick<Service['metrics'], 'counter'>;
  now?: () => number;
}

export interface DocumentSweep {
  /** Runs a round now (beside the timer's); resolves how many documents it failed, never rejects (-1 when it failed). */
  runRound(): Promise<number>;
  /** Clears the timer, stops a running round after its current batch, and waits for it. */
  stop(): Promise<void>;
}

const readable = (milliseconds: number): string =>
  milliseconds % 3_600_000 === 0 ? `${milliseconds / 3_600_000}h` : milliseconds % 60_000 === 0 ? `${milliseconds / 60_000}m` : `${milliseconds / 1000}s`;

/** The reason a swept document carries (error.message of its status and of GET /v1/documents/{id}). */
export const sweepReason = (timeoutMs: number): string =>
  `Not finished within ${readable(timeoutMs)} of its last step (DOCUMENT_PROCESSING_TIMEOUT): it was still accepted or processing, so one of its events was lost or is stuck. Send the document again.`;

const failedEvent = (document: FailedDocument, message: string) => ({
  topic: TOPICS.documentsIndexed,
  type: 'document-indexed' as const,
  key: documentKey(document),
  value: {
    // No request caused this: the correlation id names the sweep.
    eventId: randomUUID(), tenantId: document.tenantId, correlationId: `document-sweep:${randomUUID()}`, occurredAt: Date.now(),
    payload: {
      documentId: document.documentId, collection: document.collection, documentVersion: document.version, status: 'failed', chunkCount: 0,
      error: { code: PROCESSING_TIMEOUT, message, retryable: true, retryAfterMs: null },
    },
  },
});

export const startDocumentSweep = ({ pool, producer, timeoutMs, intervalMs, logger, metrics, now = Date.now }: DocumentSweepOptions): DocumentSweep => {
  if (!(timeoutMs > 0) || !(intervalMs > 0)) throw new TypeError('timeoutMs and intervalMs must be above zero');
  const swept = metrics.counter({ name: 'rivulet_documents_swept_total', labelNames: [], help: 'Documents failed because they stayed accepted or processing past DOCUMENT_PROCESSING_TIMEOUT.' });
  const failedRounds = metrics.counter({ name: 'rivulet_document_sweep_failures_total', labelNames: [], help: 'Document sweep rounds that failed (PostgreSQL or Kafka); the next interval tries again.' });
  const failure = { code: PROCESSING_TIMEOUT, message: sweepReason(timeoutMs) };
  const round = async (signal: AbortSignal): Promise<number> => {
    try {
      const failed = await failStaleDocuments(pool, {
        olderThan: new Date(now() - timeoutMs), failure, signal,
        onFailed: async (documents) => void (await producer.send(documents.map((document) => failedEvent(document, failure.message)))),
      });
      swept.inc({}, failed);
      if (failed > 0) logger.info({ failed, timeoutMs }, 'document sweep failed documents left unfinished');
      return failed;
    } catch (error) {
      failedRounds.inc({});
      logger.error({ error, retryInMs: intervalMs }, 'document sweep failed; the next interval tries again');
      return -1;
    }
  };
  return startRounds({ round, intervalMs });
};
