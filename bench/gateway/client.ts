// The parent's side of the load generator: starts load-client.ts in a child process and runs
// rounds in it, one at a time.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./load-client.ts', import.meta.url));

export interface RoundRequest {
  url: string;
  authorization: string;
  /** Requests in the round, spread over the lanes. */
  requests: number;
  /** Lanes sending at once (a closed loop). */
  concurrency: number;
}

export interface RoundResult {
  /** Per answered (HTTP 200) request, in completion order. */
  latenciesMs: number[];
  /** Wall time of the round. */
  seconds: number;
  failures: number;
  firstFailure?: string | undefined;
  /** CPU the client process spent in the round. */
  cpuMs: number;
}

export interface LoadClient {
  pid: number | undefined;
  round(request: RoundRequest): Promise<RoundResult>;
  close(): Promise<void>;
}

export const startLoadClient = (): LoadClient => {
  const child = fork(entry, [], { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitCode: number | null = null;
  void exited.then(() => (exitCode = child.exitCode));
  return {
    pid: child.pid,
    round: (request) => new Promise<RoundResult>((resolve, reject) => {
      if (exitCode !== null) {
        reject(new Error(`the load client exited with ${exitCode}`));
        return;
      }
      const onExit = () => reject(new Error(`the load client exited with ${child.exitCode} during a round`));
      child.once('exit', onExit);
      child.once('message', (result) => {
        child.off('exit', onExit);
        resolve(result as RoundResult);
      });
      child.send(request);
    }),
    close: async () => {
      if (child.connected) child.disconnect();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
};
