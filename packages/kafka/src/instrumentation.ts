/**
 * What the runtime reports as it works. `@rivulet/observability` implements this shape
 * (`createPipelineMetrics`) and a process's main.ts passes it in; neither package
 * imports the other.
 */
export type HandleOutcome = 'ok' | 'retried' | 'dead_lettered' | 'failed' | 'skipped';

export interface PipelineInstrumentation {
  messageHandled(event: { group: string; topic: string; partition: number; eventType: string; outcome: HandleOutcome; durationSeconds: number; attempts: number }): void;
  batchProcessed(event: { group: string; topic: string; partition: number; size: number }): void;
  deadLettered(event: { group: string; topic: string; reason: string }): void;
  consumerLag(event: { group: string; topic: string; partition: number; lag: number }): void;
  rebalance(event: { group: string; memberId: string; assigned: { topic: string; partitions: number[] }[] }): void;
  produced(event: { topic: string; eventType: string; count: number }): void;
  stageLatency(event: { group: string; topic: string; seconds: number }): void;
  /** A chat or search request reached this stage this long after the ingress accepted it (its `request.acceptedAt`). */
  sinceAccepted?(event: { group: string; topic: string; seconds: number }): void;
}

const noop = (): void => undefined;

export const noInstrumentation: PipelineInstrumentation = {
  messageHandled: noop,
  batchProcessed: noop,
  deadLettered: noop,
  consumerLag: noop,
  rebalance: noop,
  produced: noop,
  stageLatency: noop,
  sinceAccepted: noop,
};
