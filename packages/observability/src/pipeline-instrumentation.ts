// The contract between the Kafka consumer runtime and whatever records what it does.
// The runtime (in @rivulet/kafka) accepts any object of this shape and does not import
// this package; this package does not import the runtime. Keep both sides in step by
// shape alone: add methods as optional, never change an existing one.

/** How handling one event ended. */
export type MessageOutcome = 'ok' | 'retried' | 'dead_lettered' | 'failed' | 'skipped';

export interface MessageHandled {
  group: string;
  topic: string;
  partition: number;
  /** The event type, noun-verb: `chunk-embedded`. */
  eventType: string;
  outcome: MessageOutcome;
  /** Wall time of handling, all attempts included. */
  durationSeconds: number;
  /** Handler invocations, 1 when the first one settled it. */
  attempts: number;
}

export interface BatchProcessed { group: string; topic: string; partition: number; size: number }

/** `reason`: a short code (an error `code`, `decode_failed`, ...), never free text: it becomes a label. */
export interface DeadLettered { group: string; topic: string; reason: string }

/** `lag`: messages between the committed offset and the partition's high watermark. */
export interface ConsumerLag { group: string; topic: string; partition: number; lag: number }

export interface Rebalance {
  group: string;
  memberId: string;
  /** This member's whole assignment after the rebalance (empty when it lost everything). */
  assigned: readonly { topic: string; partitions: readonly number[] }[];
}

export interface Produced { topic: string; eventType: string; count: number }

/** `seconds`: from the event's `occurredAt` to the start of handling in this stage. */
export interface StageLatency { group: string; topic: string; seconds: number }

/** Called synchronously by the consumer runtime; implementations must be cheap and must not throw. */
export interface PipelineInstrumentation {
  messageHandled(event: MessageHandled): void;
  batchProcessed(event: BatchProcessed): void;
  deadLettered(event: DeadLettered): void;
  consumerLag(event: ConsumerLag): void;
  rebalance(event: Rebalance): void;
  produced(event: Produced): void;
  stageLatency(event: StageLatency): void;
  /** A chat or search request reached this stage `seconds` after the ingress accepted it. */
  sinceAccepted(event: StageLatency): void;
}

/** Records nothing: the default for tools and tests that do not care. */
export const noopPipelineInstrumentation: PipelineInstrumentation = {
  messageHandled: () => {},
  batchProcessed: () => {},
  deadLettered: () => {},
  consumerLag: () => {},
  rebalance: () => {},
  produced: () => {},
  stageLatency: () => {},
  sinceAccepted: () => {},
};
