import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from './infra-error.js';
import { isAlive } from './processes.js';

/**
 * One `infraUp` or `infraDown` at a time per home, across processes: test suites started
 * together each call `infraUp`, and two of them must not both start a Kafka. A lock left by a
 * process that died is taken over.
 */
export const withRunLock = async <Result>(lockFile: string, task: () => Promise<Result>, timeoutMs = 15 * 60_000): Promise<Result> => {
  await mkdir(dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      const valid = Number.isInteger(holder) && holder > 0;
      // An empty file is being written by its new holder, unless it has been empty for a while.
      const abandoned = valid ? !isAlive(holder) : Date.now() - (await stat(lockFile).then((stats) => stats.mtimeMs, () => 0)) > 5_000;
      if (abandoned) {
        await rm(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new InfraError({
          component: 'infra',
          code: 'locked',
          retriable: true,
          logFile: lockFile,
          message: `another rivulet infra command (pid ${valid ? holder : '?'}) has held ${lockFile} for too long`,
        });
      }
      await sleep(250);
    }
  }
  try {
    return await task();
  } finally {
    await rm(lockFile, { force: true });
  }
};
