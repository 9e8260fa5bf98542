import { RivuletKafkaError } from './errors.js';

/**
 * Rejects with a retriable `timeout` error when `work` has not settled within `timeoutMs`. The
 * operator commands bound every broker call with it: kafkajs retries on its own for a long time.
 */
export const withDeadline = async <Result>(what: string, timeoutMs: number, work: Promise<Result>): Promise<Result> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RivuletKafkaError('timeout', `${what}: no answer within ${timeoutMs} ms`, { retriable: true })), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
};

/** Runs a cleanup step within `timeoutMs`, ignoring its failure: the command's outcome is already known. */
export const settleWithin = async (timeoutMs: number, work: () => Promise<unknown>): Promise<void> => {
  await withDeadline('cleanup', timeoutMs, work()).catch(() => undefined);
};
