// Forwards document statuses from the pipeline to the WebSocket clients that asked for them.
// Watches are in memory, per instance: only the ingress holding the socket has it, and every
// instance reads the whole documents-indexed topic in a group of its own.
import type { IngestStatusFrame } from '@rivulet/protocol';
import { DOCUMENT_INDEX_STATUSES, documentKey, type DocumentIndexed, type DocumentIndexStatus, type DocumentReference } from '@rivulet/schemas';

/** The `ingest_status` frame (PROTOCOL.md §1). */
export type { IngestStatusFrame } from '@rivulet/protocol';

/** Where a status goes: a WebSocket session. `send` must not throw and may drop a slow client. */
export interface StatusTarget {
  send(frame: IngestStatusFrame): void;
}

export interface Watch {
  /** Goes live: statuses that arrived before (while the request was being published) are sent now. */
  open(): void;
  /** The request failed; nothing will be sent for it. */
  cancel(): void;
}

interface WatchState {
  frameId: string;
  documentId: string;
  operation: 'upsert' | 'delete';
  /** The version an upsert is about; null for a delete. */
  version: string | null;
  /** Statuses held back until `open()`; undefined once open. */
  held: IngestStatusFrame[] | undefined;
}

export type DeliveryOutcome = 'delivered' | 'unwatched' | 'other_version' | 'unknown_status';

const TERMINAL = new Set<string>(['completed', 'failed', 'deleted']);
const isKnownStatus = (status: string): status is DocumentIndexStatus => (DOCUMENT_INDEX_STATUSES as readonly string[]).includes(status);

export class StatusRouter {
  // document key -> target -> its watch. One watch per document per target: a newer ingest or
  // delete of the same document on the same socket replaces the older one.
  private readonly watches = new Map<string, Map<StatusTarget, WatchState>>();
  private readonly keysByTarget = new Map<StatusTarget, Set<string>>();

  watch(target: StatusTarget, frameId: string, reference: DocumentReference, operation: 'upsert' | 'delete', version: string | null): Watch {
    const key = documentKey(reference);
    const state: WatchState = { frameId, documentId: reference.documentId, operation, version, held: [] };
    const targets = this.watches.get(key) ?? new Map<StatusTarget, WatchState>();
    targets.set(target, state);
    this.watches.set(key, targets);
    const keys = this.keysByTarget.get(target) ?? new Set<string>();
    keys.add(key);
    this.keysByTarget.set(target, keys);
    return {
      open: () => {
        const held = state.held ?? [];
        state.held = undefined;
        for (const frame of held) target.send(frame);
        if (held.some((frame) => TERMINAL.has(frame.status))) this.remove(key, target, state);
      },
      cancel: () => this.remove(key, target, state),
    };
  }

  /** Drops every watch of a target (its socket closed). */
  forget(target: StatusTarget): void {
    for (const key of this.keysByTarget.get(target) ?? []) {
      const targets = this.watches.get(key);
      targets?.delete(target);
      if (targets?.size === 0) this.watches.delete(key);
    }
    this.keysByTarget.delete(target);
  }

  /** Number of open watches (tests, metrics). */
  get size(): number {
    let count = 0;
    for (const targets of this.watches.values()) count += targets.size;
    return count;
  }

  /** Routes one document-indexed event; returns what happened per watching target. Never throws for a target. */
  deliver(event: DocumentIndexed): DeliveryOutcome[] {
    const { payload } = event;
    if (!isKnownStatus(payload.status)) return ['unknown_status'];
    const key = documentKey({ tenantId: event.tenantId, collection: payload.collection, documentId: payload.documentId });
    const targets = this.watches.get(key);
    if (!targets) return ['unwatched'];
    const outcomes: DeliveryOutcome[] = [];
    for (const [target, state] of [...targets]) {
      if (!concerns(state, payload.status, payload.documentVersion)) {
        outcomes.push('other_version');
        continue;
      }
      const frame = toFrame(state, payload.status, payload);
      if (state.held) {
        state.held.push(frame);
      } else {
        try {
          target.send(frame);
        } catch {
          // A target that cannot take the frame is gone; its close handler forgets it.
        }
        if (TERMINAL.has(frame.status)) this.remove(key, target, state);
      }
      outcomes.push('delivered');
    }
    return outcomes;
  }

  private remove(key: string, target: StatusTarget, state: WatchState): void {
    const targets = this.watches.get(key);
    if (targets?.get(target) !== state) return;
    targets.delete(target);
    if (targets.size === 0) this.watches.delete(key);
    this.keysByTarget.get(target)?.delete(key);
  }
}

/**
 * Whether a status is about what the watch asked for. An upsert hears its own version, a failure
 * without a version (unreadable content) and a delete; a delete hears `deleted` and failures
 * without a version. Statuses of older or newer versions are someone else's.
 */
const concerns = (state: WatchState, status: DocumentIndexStatus, documentVersion: string | null): boolean => {
  if (status === 'deleted') return true;
  if (status === 'failed' && documentVersion === null) return true;
  return state.operation === 'upsert' && documentVersion === state.version;
};

const toFrame = (state: WatchState, status: DocumentIndexStatus, payload: DocumentIndexed['payload']): IngestStatusFrame => ({
  type: 'ingest_status',
  id: state.frameId,
  documentId: state.documentId,
  status,
  ...(status === 'processing' || status === 'completed' ? { chunks: payload.chunkCount } : {}),
  ...(status === 'failed' && payload.error
    ? { error: { code: payload.error.code, message: payload.error.message, retryable: payload.error.retryable } }
    : status === 'failed' ? { error: { code: 'internal', message: 'Indexing failed.', retryable: true } } : {}),
});
