// Running the built `rivulet` command as a user does, for the CLI's tests.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/rivulet.js', import.meta.url));

export interface CliRun {
  /** The exit code (1 when the process was killed, e.g. by the timeout). */
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the run. */
  ms: number;
}

/** `rivulet <args>` with this process's environment plus `env`; resolves (never rejects) with what it printed and its exit code. */
export const runCli = (args: readonly string[], { env = {}, timeoutMs = 60_000 }: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliRun> =>
  new Promise((resolve) => {
    const began = Date.now();
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr, ms: Date.now() - began });
    });
  });
