import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliConfig } from '../context.js';
import { say, warn } from '../output.js';
import { up } from './infra.js';
import { ingest } from './ingest.js';
import { WORKERS } from './worker.js';

const bin = fileURLToPath(new URL('../../bin/rivulet.js', import.meta.url));
/** The sample corpus: the project's own documentation, so a fresh start has something to answer from. */
const sampleCorpus = fileURLToPath(new URL('../../../../docs', import.meta.url));
const SAMPLE_MARKER = 'protocol.md';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for the ingress's /ready; false when it did not become ready in time or we are stopping. */
const ingressReady = async (url: string, isStopping: () => boolean, timeoutMs = 180_000): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !isStopping()) {
    if (await fetch(`${url}/ready`).then((response) => response.ok, () => false)) return true;
    await sleep(500);
  }
  return false;
};

/**
 * On the first start (the sample's marker document is unknown to the default tenant), ingests
 * docs/ into the default collection, so the chat page can answer questions about Rivulet.
 */
const ingestSampleCorpus = async (config: CliConfig, url: string, isStopping: () => boolean, signal: AbortSignal): Promise<void> => {
  if (!(await ingressReady(url, isStopping))) return;
  const apiKey = process.env.RIVULET_API_KEY;
  const headers = apiKey ? { authorization: `Bearer ${apiKey}` } : { authorization: 'Bearer rivulet-dev-key' };
  const known = await fetch(`${url}/v1/documents/${SAMPLE_MARKER}`, { headers }).then((response) => response.status, () => 0);
  if (known !== 404) return;
  say(`First start: ingesting the sample corpus (${sampleCorpus}) so the chat page has something to answer from.`);
  await ingest(config, [sampleCorpus], { collection: 'default', url, wait: true, timeout: '10m', signal });
  if (isStopping()) return;
  say(`\nReady: open ${url}/ and ask, for example, "How do I scale the consumer groups?"`);
};

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
export const start = async (config: CliConfig, options: { infra?: boolean; sample?: boolean }): Promise<number> => {
  if (options.infra !== false && (await up(config)) !== 0) return 1;
  const processes: Supervised[] = [
    { name: 'ingress', args: ['ingress'], restarts: 0 },
    ...Object.keys(WORKERS).map((name) => ({ name, args: ['worker', name], restarts: 0 })),
  ];
  let stopping = false;
  // Ctrl-C also ends the sample corpus's wait for indexing, which would otherwise keep this process alive.
  const sampleIngest = new AbortController();

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
  const host = process.env.INGRESS_HOST ?? '127.0.0.1';
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${process.env.INGRESS_PORT ?? '8080'}`;
  say(`\nRivulet is starting: chat page ${url}/, API ${url}/v1, WebSocket ${url.replace('http', 'ws')}/v1/ws.`);
  say(`Processes: ${processes.map((entry) => entry.name).join(', ')}. Ctrl-C stops them.\n`);
  if (options.sample !== false) {
    void ingestSampleCorpus(config, url, () => stopping, sampleIngest.signal).catch((error: unknown) => warn(`sample corpus not ingested: ${(error as Error).message}`));
  }

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      sampleIngest.abort();
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
