import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliConfig } from '../context.js';
import { say, warn } from '../output.js';
import { up } from './infra.js';
import { WORKERS } from './worker.js';

const bin = fileURLToPath(new URL('../../bin/rivulet.js', import.meta.url));

interface Supervised {
  name: string;
  args: string[];
  child?: ChildProcess;
  restarts: number;
}

/** Prefixes each line of a child's output with its name, so one terminal shows them all. */
const relay = (name: string, child: ChildProcess): void => {
  for (const [stream, sink] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    let pending = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) sink.write(`[${name}] ${line}\n`);
    });
  }
};

/**
 * `rivulet start`: the backing services, then the ingress and one instance of every worker,
 * supervised in the foreground. A process that dies is restarted with backoff; Ctrl-C (or
 * SIGTERM) stops them all gracefully (each finishes and commits its in-flight work).
 */
export const start = async (config: CliConfig, options: { infra?: boolean }): Promise<number> => {
  if (options.infra !== false && (await up(config)) !== 0) return 1;
  const processes: Supervised[] = [
    { name: 'ingress', args: ['ingress'], restarts: 0 },
    ...Object.keys(WORKERS).map((name) => ({ name, args: ['worker', name], restarts: 0 })),
  ];
  let stopping = false;

  const launch = (entry: Supervised): void => {
    const child = spawn(process.execPath, [bin, ...entry.args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    entry.child = child;
    relay(entry.name, child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      entry.restarts += 1;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(entry.restarts - 1, 5));
      warn(`[${entry.name}] exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000} s`);
      setTimeout(() => !stopping && launch(entry), delay).unref();
    });
  };
  processes.forEach(launch);
  say(`\nRivulet is starting: API and WebSocket at http://${process.env.INGRESS_HOST ?? '127.0.0.1'}:${process.env.INGRESS_PORT ?? '8080'} (ws://…/v1/ws).`);
  say(`Processes: ${processes.map((entry) => entry.name).join(', ')}. Ctrl-C stops them.\n`);

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      say(`\n${signal}: stopping ${processes.length} processes…`);
      const exits = processes.map(
        (entry) =>
          new Promise<void>((done) => {
            const child = entry.child;
            if (!child || child.exitCode !== null || child.signalCode !== null) return done();
            const force = setTimeout(() => child.kill('SIGKILL'), 40_000);
            child.once('exit', () => {
              clearTimeout(force);
              done();
            });
            child.kill('SIGTERM');
          }),
      );
      void Promise.all(exits).then(() => {
        say('All processes stopped.');
        resolve(0);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
};
