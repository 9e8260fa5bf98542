// The data of `rivulet status`, printed as text or, with --json, as this object unchanged.
// Field names are a contract with operators' scripts: add fields, never rename or remove.

/**
 * What `rivulet status --json` prints: one object, these fields.
 *
 * - `takenAt`: ISO 8601 time the report was taken.
 * - `topicPrefix`: KAFKA_TOPIC_PREFIX; only this environment's topics, groups and breakers are shown.
 * - `healthy`: every backing service is up (the exit code is 0 exactly when this is true).
 * - `services`: each backing service reached at its configured address (DATABASE_URL, REDIS_URL,
 *   KAFKA_BROKERS, SCHEMA_REGISTRY_URL), with what answered or why it is down (status-services.ts).
 * - `consumerGroups`, `topics`, `breakers`: each has `error` (null, or what failed, e.g. a timeout);
 *   its lists are then empty or partial.
 *
 * Offsets and counts are numbers; `null` means unknown (not committed, not sampled, not readable).
 */
export interface StatusReport {
  takenAt: string;
  topicPrefix: string;
  healthy: boolean;
  services: ServiceHealth[];
  consumerGroups: ConsumerGroupsSection;
  topics: TopicsSection;
  breakers: BreakersSection;
}

export interface ServiceHealth {
  /** `postgres`, `redis`, `kafka`, `schema-registry`. */
  component: string;
  /** What clients connect to, from the configuration, without credentials: `host:port[/path]` (Kafka: the brokers). */
  address: string;
  healthy: boolean;
  detail: string;
}

export interface ConsumerGroupsSection {
  error: string | null;
  /** Per worker (`rivulet worker <name>`, `ingress`, or `other`), its groups summed up. */
  workers: WorkerSummary[];
  /**
   * Groups with committed offsets on, or members assigned to, this prefix's Rivulet topics
   * (in worker order, stale ones last). Groups of no known worker (`other`) are tools or tests.
   */
  groups: GroupStatus[];
  /** The lag of Rivulet's workers: the sum of `workers[].totalLag` except worker `other`. */
  totalLag: number;
}

export interface WorkerSummary {
  worker: string;
  /**
   * Running processes: the largest member count of the worker's groups (each process joins each
   * of its groups once); for the ingress, its per-instance groups that have a member.
   */
  instances: number;
  groupIds: string[];
  /** Sum of the groups' `totalLag`, stale groups left out. */
  totalLag: number;
}

export interface GroupStatus {
  /** The group id in Kafka, prefix included. */
  groupId: string;
  worker: string;
  /** The group id without prefix and instance, e.g. `rivulet-embedding-queries`, `rivulet-ingress-replies`. */
  role: string;
  /** The ingress instance (INGRESS_INSTANCE_ID) of a per-instance group, else null. */
  instanceId: string | null;
  /** A per-instance group with no member: its instance has stopped; Kafka keeps the offsets until they expire. */
  stale: boolean;
  /** Kafka's group state: `Stable`, `Empty`, `PreparingRebalance`, `CompletingRebalance`, `Dead`. */
  state: string;
  members: GroupMemberStatus[];
  /** Every partition of every Rivulet topic the group reads, ordered by topic then partition. */
  partitions: PartitionLag[];
  /** Sum of the known `partitions[].lag`. */
  totalLag: number;
  /** Set when the group's committed offsets could not be read. */
  error: string | null;
}

export interface GroupMemberStatus {
  memberId: string;
  clientId: string;
  host: string;
  assignment: { topic: string; partitions: number[] }[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The next offset the group will read; null when it never committed on this partition. */
  committedOffset: number | null;
  /** The partition's end offset (high watermark) at the report's second sample. */
  endOffset: number | null;
  /** endOffset - committedOffset (at least 0); null when either is unknown. */
  lag: number | null;
  /** The member the partition is assigned to, or null (no member, or rebalancing). */
  memberId: string | null;
}

export interface TopicsSection {
  error: string | null;
  /** Milliseconds between the two end-offset samples the rates come from; 0 when not sampled (`--sample 0s`). */
  sampleMs: number;
  topics: TopicStatus[];
  deadLetter: DeadLetterCount;
}

export interface TopicStatus {
  /** The declared name, e.g. `rivulet.chat.requests`. */
  name: string;
  /** The name in Kafka, prefix included. */
  topic: string;
  /** False when the topic does not exist (run `rivulet infra up`); the numbers are then null. */
  exists: boolean;
  partitions: number | null;
  /** Records ever written: the sum of the partitions' end offsets. */
  endOffsetTotal: number | null;
  /** Records still retained: sum of end minus start offsets (compaction may leave fewer). */
  retained: number | null;
  /** Records written per second during the sample; null when not sampled. */
  messagesPerSecond: number | null;
}

/**
 * Messages on the dead-letter topic. One topic serves every original topic and names it only in
 * each message's payload and headers, so a count per original topic would mean reading them all;
 * these are totals from offsets.
 */
export interface DeadLetterCount {
  topic: string;
  /** Dead letters still retained (14 days). */
  retained: number | null;
  /** Dead letters ever written. */
  total: number | null;
}

export interface BreakersSection {
  error: string | null;
  /** The window failures and requests are counted over (the router file's default). */
  windowMs: number;
  /** Deployments with breaker state in Redis (any traffic within the last window plus two cooldowns). */
  deployments: BreakerStatus[];
}

export interface BreakerStatus {
  deployment: string;
  /** `closed`, `open` (requests go elsewhere), `half_open` (one probe request allowed). */
  state: string;
  /** In the current window; an open breaker starts a fresh window, so 0 while open. */
  failures: number;
  requests: number;
  /** ISO 8601 time the open breaker lets a probe through; null when closed. */
  openUntil: string | null;
}
