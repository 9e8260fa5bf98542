import { spawn } from 'node:child_process';
import { appendLog, tailLog } from './log-files.js';
import { InfraError } from './infra-error.js';
import type { InfraComponent, ResolvedOptions } from './options.js';

export interface CommandOptions {
  component: InfraComponent;
  command: string;
  args: readonly string[];
  timeoutMs: number;
  cwd?: string;
  /** Run as this user (PostgreSQL refuses to run as root). */
  user?: { uid: number; gid: number };
  input?: string;
  /** Installer commands are announced so a person sees why a run is slow (and tests can tell none ran). */
  announce?: boolean;
}

// Maven writes colour resets even in batch mode; the logs are plain text.
// eslint-disable-next-line no-control-regex
const ansiColour = /\x1b\[[0-9;]*m/g;

/**
 * Runs a command to completion, appends its output to the component's log and returns its
 * standard output. A non-zero exit or a timeout throws an InfraError with the log's tail.
 */
export const runCommand = async (options: ResolvedOptions, command: CommandOptions): Promise<string> => {
  const logFile = options.logFile(command.component);
  const commandLine = [command.command, ...command.args].join(' ');
  if (command.announce !== false) options.progress(command.component, `running ${commandLine}`);
  await appendLog(logFile, `----- ${new Date().toISOString()} rivulet infra: ${commandLine}`);
  const { exitCode, signal, stdout, output } = await new Promise<{
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    output: string;
  }>((resolvePromise, reject) => {
    const child = spawn(command.command, command.args, {
      cwd: command.cwd,
      uid: command.user?.uid,
      gid: command.user?.gid,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: command.timeoutMs,
      killSignal: 'SIGKILL',
    });
    const stdoutChunks: Buffer[] = [];
    const outputChunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutChunks.push(chunk);
      outputChunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => outputChunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code, closeSignal) =>
      resolvePromise({
        exitCode: code,
        signal: closeSignal,
        stdout: Buffer.concat(stdoutChunks).toString('utf8'),
        output: Buffer.concat(outputChunks).toString('utf8'),
      }),
    );
    child.stdin.end(command.input ?? '');
  }).catch((error: unknown) => {
    throw new InfraError({
      component: command.component,
      code: 'command_failed',
      logFile,
      message: `${command.component}: could not run ${command.command}: ${(error as Error).message}`,
      cause: error,
    });
  });
  await appendLog(logFile, output.replace(ansiColour, ''));
  if (exitCode === 0) return stdout;
  const reason = signal === 'SIGKILL' ? `timed out after ${Math.round(command.timeoutMs / 1000)} s` : `exited with ${exitCode ?? signal}`;
  throw new InfraError({
    component: command.component,
    code: 'command_failed',
    logFile,
    retriable: signal === 'SIGKILL',
    message: `${command.component}: \`${commandLine}\` ${reason}. Log: ${logFile}\n${await tailLog(logFile)}`,
  });
};

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs tasks sharing a key one after another within this process: two Maven runs share
 * ~/.m2 and are not safe together; apt-get holds the dpkg lock.
 */
export const serially = <Result>(key: string, task: () => Promise<Result>): Promise<Result> => {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(task, task);
  queues.set(key, next.catch(() => undefined));
  return next;
};
