import { abortError } from './stream-errors.js';

/**
 * A fixed set of items (the local model's context sequences, a remote deployment's request slots)
 * lent one at a time. A caller waits for a free one instead of failing, and a waiter whose signal
 * fires leaves the queue. Waiters are served fairly between tenants: a freed item goes to the
 * waiting tenant served least recently (one never served first), and
 * within a tenant in arrival order. So one tenant's burst or long prompts hold back another
 * tenant's request by at most the items already lent, never by the burst's queue.
 */
export interface Pool<Item> {
  /** `tenant`: whose request it is (absent: one shared tenant, plain arrival order). */
  acquire(signal: AbortSignal, tenant?: string): Promise<Item>;
  release(item: Item): void;
  /** Fails every waiter (on close). */
  drain(error: Error): void;
  /** Callers waiting now. */
  readonly waiting: number;
}

interface Waiter<Item> {
  resolve(item: Item): void;
  reject(error: Error): void;
}

const SHARED_TENANT = '';

export const createPool = <Item>(items: readonly Item[]): Pool<Item> => {
  const free = [...items];
  /** Tenant -> its waiters, oldest first; a tenant is here only while it has some. */
  const queues = new Map<string, Waiter<Item>[]>();
  /** Items lent, and to whom. */
  const lent = new Map<Item, string>();
  /** Tenant -> the turn it was last served at (see forgetIdle for when it is forgotten). */
  const lastServed = new Map<string, number>();
  let turn = 0;
  let waitingCount = 0;

  const lend = (item: Item, tenant: string): Item => {
    lent.set(item, tenant);
    lastServed.set(tenant, (turn += 1));
    return item;
  };
  const holds = (tenant: string): boolean => [...lent.values()].includes(tenant);
  /**
   * Forgets tenants with neither waiters nor items whose last turn is older than every waiting
   * tenant's: forgetting them (turn 0) keeps their order against every waiter. A tenant served
   * more recently than a waiter is remembered, so coming back does not put it ahead of that waiter.
   */
  const forgetIdle = () => {
    let oldestWaiting = Infinity;
    for (const tenant of queues.keys()) oldestWaiting = Math.min(oldestWaiting, lastServed.get(tenant) ?? 0);
    for (const [tenant, served] of lastServed) {
      if (served < oldestWaiting && !queues.has(tenant) && !holds(tenant)) lastServed.delete(tenant);
    }
  };
  const remove = (tenant: string, waiter: Waiter<Item>) => {
    const queue = queues.get(tenant) ?? [];
    const index = queue.indexOf(waiter);
    if (index === -1) return;
    queue.splice(index, 1);
    waitingCount -= 1;
    if (queue.length === 0) queues.delete(tenant);
  };
  /** The waiting tenant served least recently (0: not served while it had anything in hand). */
  const nextTenant = (): string | undefined => {
    let chosen: string | undefined;
    for (const tenant of queues.keys()) {
      if (chosen === undefined || (lastServed.get(tenant) ?? 0) < (lastServed.get(chosen) ?? 0)) chosen = tenant;
    }
    return chosen;
  };

  return {
    get waiting() {
      return waitingCount;
    },
    acquire: (signal, tenant = SHARED_TENANT) => {
      if (signal.aborted) return Promise.reject(abortError(signal));
      const item = free.pop();
      if (item !== undefined) return Promise.resolve(lend(item, tenant));
      return new Promise<Item>((resolve, reject) => {
        const onAbort = () => {
          remove(tenant, waiter);
          forgetIdle();
          reject(abortError(signal));
        };
        const waiter: Waiter<Item> = {
          resolve: (next) => {
            signal.removeEventListener('abort', onAbort);
            resolve(next);
          },
          reject: (error) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const queue = queues.get(tenant);
        if (queue) queue.push(waiter);
        else queues.set(tenant, [waiter]);
        waitingCount += 1;
      });
    },
    release: (item) => {
      lent.delete(item);
      const tenant = nextTenant();
      if (tenant === undefined) {
        free.push(item);
        forgetIdle();
        return;
      }
      const waiter = queues.get(tenant)![0]!;
      remove(tenant, waiter);
      waiter.resolve(lend(item, tenant));
      forgetIdle();
    },
    drain: (error) => {
      const failed = [...queues.values()].flat();
      queues.clear();
      waitingCount = 0;
      for (const waiter of failed) waiter.reject(error);
    },
  };
};
