import { abortError } from './stream-errors.js';

/**
 * A fixed set of items (the local model's context sequences) lent one at a time: a generation
 * waits for a free one instead of failing, and a waiter whose signal fires leaves the queue.
 */
export interface Pool<Item> {
  acquire(signal: AbortSignal): Promise<Item>;
  release(item: Item): void;
  /** Fails every waiter (on close). */
  drain(error: Error): void;
}

export const createPool = <Item>(items: readonly Item[]): Pool<Item> => {
  const free = [...items];
  let waiting: { resolve: (item: Item) => void; reject: (error: Error) => void }[] = [];
  return {
    acquire: (signal) => {
      if (signal.aborted) return Promise.reject(abortError(signal));
      const item = free.pop();
      if (item !== undefined) return Promise.resolve(item);
      return new Promise<Item>((resolve, reject) => {
        const onAbort = () => {
          waiting = waiting.filter((entry) => entry !== waiter);
          reject(abortError(signal));
        };
        const waiter = {
          resolve: (next: Item) => {
            signal.removeEventListener('abort', onAbort);
            resolve(next);
          },
          reject: (error: Error) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiting.push(waiter);
      });
    },
    release: (item) => {
      const next = waiting.shift();
      if (next) next.resolve(item);
      else free.push(item);
    },
    drain: (error) => {
      const failed = waiting;
      waiting = [];
      for (const waiter of failed) waiter.reject(error);
    },
  };
};
