// The clock budget periods are chosen by: this process's clock corrected to Redis's. Every
// generation process counts against the same UTC day and month as every other, and as the Redis
// that expires the counts, whatever its own clock says: a worker minutes (or days) off would
// otherwise charge a period that has ended, or one that has not begun.
import type { Redis } from 'ioredis';

export interface RedisClockOptions {
  /** A fail-fast connection (createBudgetRedis): a sync never waits long. */
  redis: Redis;
  /** This process's clock. */
  localNow?: () => number;
  /** How often the offset is measured again (drift, a stepped system clock). Default 60 s; every 5 s at most until a first sync succeeds. */
  resyncMs?: number;
  /** A sample whose round trip took longer than this is not trusted (its error is half the round trip). Default 250 ms. */
  maxRoundTripMs?: number;
  /** Called when a sync fails; the last offset stays in use. */
  onError?: (error: Error) => void;
}

export interface RedisClock {
  /** Milliseconds since the epoch on Redis's clock, as last measured (this process's clock until the first sync). */
  readonly now: () => number;
  /** Measures the offset once; rejects when Redis does not answer in time or the sample is not trusted. */
  sync(): Promise<void>;
  /** Keeps the offset measured every `resyncMs` in the background (the timer does not hold the process open). */
  start(): void;
  stop(): Promise<void>;
  /** Redis's clock minus this process's, ms, from the last trusted sample. */
  readonly offsetMs: number;
}

export const createRedisClock = ({ redis, localNow = Date.now, resyncMs = 60_000, maxRoundTripMs = 250, onError }: RedisClockOptions): RedisClock => {
  if (!(resyncMs > 0) || !(maxRoundTripMs > 0)) throw new RangeError('resyncMs and maxRoundTripMs must be > 0');
  let offsetMs = 0;
  let synced = false;
  let running = false;
  let timer: NodeJS.Timeout | undefined;

  const sync = async (): Promise<void> => {
    const sent = localNow();
    const [seconds, micros] = await redis.time();
    const received = localNow();
    const roundTrip = received - sent;
    if (roundTrip > maxRoundTripMs) throw new Error(`Redis TIME took ${roundTrip} ms (over ${maxRoundTripMs} ms): offset not updated`);
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    offsetMs = redisNow - (sent + roundTrip / 2);
    synced = true;
  };
  const schedule = (): void => {
    if (!running) return;
    timer = setTimeout(() => {
      sync().catch((error: unknown) => onError?.(error as Error)).finally(schedule);
    }, synced ? resyncMs : Math.min(resyncMs, 5000));
    timer.unref();
  };

  return {
    now: () => localNow() + offsetMs,
    sync,
    get offsetMs() {
      return offsetMs;
    },
    start() {
      if (running) return;
      running = true;
      schedule();
    },
    stop() {
      running = false;
      clearTimeout(timer);
      return Promise.resolve();
    },
  };
};
