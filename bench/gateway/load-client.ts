// The load generator, in a process of its own (started by client.ts), so that sending requests
// and reading answers never shares an event loop with the server: a timestamp taken here is not
// delayed by the checks it measures. It waits for `round` messages on the IPC channel and answers
// each with the latencies of a closed loop: `concurrency` lanes, each sending its next request as
// soon as the previous answer has been read, over keep-alive connections.
import { Agent, request } from 'node:http';
import type { RoundRequest, RoundResult } from './client.js';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One GET; resolves with the milliseconds from sending to the last byte of the answer, and its status. */
const send = (url: URL, authorization: string): Promise<{ ms: number; status: number }> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const outgoing = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'GET', agent, headers: { authorization } }, (response) => {
      response.resume();
      response.once('end', () => resolve({ ms: performance.now() - started, status: response.statusCode ?? 0 }));
      response.once('error', reject);
    });
    outgoing.once('error', reject);
    outgoing.end();
  });

const runRound = async ({ url, authorization, requests, concurrency }: RoundRequest): Promise<RoundResult> => {
  const target = new URL(url);
  const latenciesMs: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < requests) {
      next += 1;
      try {
        const { ms, status } = await send(target, authorization);
        if (status === 200) latenciesMs.push(ms);
        else {
          failures += 1;
          firstFailure ??= `HTTP ${status}`;
        }
      } catch (error) {
        failures += 1;
        firstFailure ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { latenciesMs, seconds, failures, firstFailure, cpuMs: (cpu.user + cpu.system) / 1000 };
};

process.on('message', (message: RoundRequest) => {
  void runRound(message).then((result) => process.send?.(result));
});
process.once('disconnect', () => {
  agent.destroy();
  process.exit(0);
});
