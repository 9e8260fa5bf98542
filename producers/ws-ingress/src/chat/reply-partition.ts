// Which replies partition this ingress instance reads: a lease in Redis, renewed while it lives.
// Each instance prefers a partition no other live instance holds, so answers are not read twice.
// When every partition is held (more instances than partitions), it shares the least recently
// chosen one: still correct, since an instance ignores replies to requests it does not hold,
// only less efficient. Decision 0007 has the trade-offs.
import type { Redis } from 'ioredis';

export interface ReplyPartitionLease {
  readonly partition: number;
  /** False when every partition was held and this instance shares one. */
  readonly exclusive: boolean;
  release(): Promise<void>;
}

export interface LeaseOptions {
  redis: Redis;
  instanceId: string;
  partitions: number;
  /** Prefix of the keys (KAFKA_TOPIC_PREFIX), so environments sharing a Redis do not collide. */
  prefix: string;
  ttlMs?: number;
  onLost?: (partition: number) => void;
}

// Extends the lease only while this instance still owns it; answers 1 when it did.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export const leaseReplyPartition = async ({ redis, instanceId, partitions, prefix, ttlMs = 15_000, onLost }: LeaseOptions): Promise<ReplyPartitionLease> => {
  const key = (partition: number): string => `${prefix}rivulet:ingress:reply-partition:${partition}`;
  // Start at a random partition so instances starting together do not race for the same keys.
  const offset = Math.floor(Math.random() * partitions);
  let chosen: number | undefined;
  for (let index = 0; index < partitions && chosen === undefined; index += 1) {
    const partition = (offset + index) % partitions;
    if ((await redis.set(key(partition), instanceId, 'PX', ttlMs, 'NX')) === 'OK') chosen = partition;
  }
  if (chosen === undefined) {
    const shared = offset;
    return { partition: shared, exclusive: false, release: () => Promise.resolve() };
  }
  const partition = chosen;
  const timer = setInterval(() => {
    redis.eval(RENEW, 1, key(partition), instanceId, String(ttlMs)).then((renewed) => {
      // Lost (Redis restarted, or this process stalled past the TTL): keep reading the partition;
      // another instance may now share it, which is safe.
      if (renewed !== 1) onLost?.(partition);
      if (renewed !== 1) void redis.set(key(partition), instanceId, 'PX', ttlMs, 'NX').catch(() => undefined);
    }).catch(() => undefined);
  }, Math.max(1000, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    partition,
    exclusive: true,
    release: async () => {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key(partition), instanceId).catch(() => undefined);
    },
  };
};
