import { openSync } from 'node:fs';
import { appendFile, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A log past this size is renamed to `<name>.1` before a service starts again, so logs stay bounded. */
const rotateAtBytes = 20 * 1024 * 1024;

export const appendLog = async (logFile: string, text: string): Promise<void> => {
  await mkdir(dirname(logFile), { recursive: true });
  await appendFile(logFile, text.endsWith('\n') || text === '' ? text : `${text}\n`);
};

/** Rotates a large log, writes a header line and opens the file for a child's stdout and stderr. */
export const openLogForChild = async (logFile: string, header: string): Promise<number> => {
  await mkdir(dirname(logFile), { recursive: true });
  const size = await stat(logFile).then((stats) => stats.size, () => 0);
  if (size > rotateAtBytes) await rename(logFile, `${logFile}.1`);
  await appendLog(logFile, `----- ${new Date().toISOString()} rivulet infra: ${header}`);
  // A plain descriptor (not a FileHandle, which would close itself when collected): the child inherits it.
  return openSync(logFile, 'a');
};

/** The last lines of a log, for error messages, without Java stack frames. Reads only the end of a large file. */
export const tailLog = async (logFile: string, lineCount = 20): Promise<string> => {
  try {
    const size = (await stat(logFile)).size;
    const readBytes = Math.min(size, 64 * 1024);
    const handle = await open(logFile, 'r');
    try {
      const buffer = Buffer.alloc(readBytes);
      await handle.read(buffer, 0, readBytes, size - readBytes);
      // Java stack frames would fill the tail; the exception lines say what went wrong.
      const lines = buffer
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '' && !/^\s+(at |\.\.\. \d+ more)/.test(line));
      return lines.slice(-lineCount).join('\n');
    } finally {
      await handle.close();
    }
  } catch {
    return '(no log written)';
  }
};

export const readTextIfExists = async (path: string): Promise<string | undefined> =>
  readFile(path, 'utf8').catch(() => undefined);
