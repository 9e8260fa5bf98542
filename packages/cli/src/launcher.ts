import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafkaClient, deleteTopics, ensureTopics, silentLogger } from '@rivulet/kafka';
import { topicDefinitions } from './topics.js';

const bin = fileURLToPath(new URL('../bin/rivulet.js', import.meta.url));

export type ProcessName = 'ingress' | 'ingestion' | 'embedding' | 'indexer';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Running {
  child: ChildProcess;
  opsUrl: string;
  exited: Promise<number | null>;
}

export interface PipelineOptions {
  processes?: ProcessName[];
  /** Extra environment for every process (e.g. tunables under test). */
  env?: Record<string, string>;
  /**
   * Topics and consumer groups of its own (KAFKA_TOPIC_PREFIX), created at start and deleted
   * at close, so concurrent pipelines on one cluster never see each other's events. Default true.
   */
  isolated?: boolean;
}

/**
 * The real pipeline as an operator runs it: `rivulet ingress` and `rivulet worker <name>`
 * child processes on the real services, each with its own ops port, logs in a temp folder.
 * A tenant and API key of its own keep its data apart. Tests and benchmarks use it.
 */
export const startPipeline = async ({ processes = ['ingress', 'ingestion', 'embedding', 'indexer'], env = {}, isolated = true }: PipelineOptions = {}) => {
  const logs = await mkdtemp(join(tmpdir(), 'rivulet-e2e-'));
  const tenant = `e2e-${randomBytes(4).toString('hex')}`;
  const topicPrefix = isolated ? `${tenant}.` : (env.KAFKA_TOPIC_PREFIX ?? '');
  const kafka = createKafkaClient({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'rivulet-launcher', logger: silentLogger });
  if (isolated) await ensureTopics(kafka, topicDefinitions(), { prefix: topicPrefix });
  const apiKey = `key-${randomBytes(12).toString('hex')}`;
  const ingressPort = await freePort();
  const running = new Map<ProcessName, Running>();
  const shared: Record<string, string> = {
    LOG_LEVEL: 'info', RIVULET_ENV: 'test', KAFKA_SESSION_TIMEOUT: '6s', KAFKA_HEARTBEAT_INTERVAL: '1s',
    RIVULET_API_KEYS: `${tenant}:${apiKey}`, INGRESS_PORT: String(ingressPort), KAFKA_TOPIC_PREFIX: topicPrefix, ...env,
  };

  const start = async (name: ProcessName): Promise<void> => {
    const opsPort = await freePort();
    const args = name === 'ingress' ? ['ingress'] : ['worker', name];
    const log = createWriteStream(join(logs, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...shared, OPS_PORT: String(opsPort) }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const opsUrl = name === 'ingress' ? `http://127.0.0.1:${ingressPort}` : `http://127.0.0.1:${opsPort}`;
    running.set(name, { child, opsUrl, exited });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; log: ${join(logs, `${name}.log`)}\n${await readFile(join(logs, `${name}.log`), 'utf8')}`);
      const ready = await fetch(`${opsUrl}/ready`).then((response) => response.ok, () => false);
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`${name} not ready after 60 s; log: ${join(logs, `${name}.log`)}`);
      await sleep(200);
    }
  };

  const stop = async (name: ProcessName, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    const entry = running.get(name);
    if (!entry) return null;
    running.delete(name);
    entry.child.kill(signal);
    return entry.exited;
  };

  for (const name of processes) await start(name);

  return {
    tenant, apiKey, logs,
    url: `http://127.0.0.1:${ingressPort}`,
    opsUrl: (name: ProcessName) => running.get(name)?.opsUrl,
    pid: (name: ProcessName) => running.get(name)?.child.pid,
    start, stop,
    /** One counter or gauge of a process's /metrics, summed over the series matching `labels`. */
    metric: async (name: ProcessName, metric: string, labels: Record<string, string> = {}): Promise<number> => {
      const text = await (await fetch(`${running.get(name)!.opsUrl}/metrics`)).text();
      let total = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
        if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return total;
    },
    topicPrefix,
    close: async (): Promise<void> => {
      await Promise.all([...running.keys()].map((name) => stop(name)));
      if (!isolated) return;
      const admin = kafka.admin();
      await admin.connect();
      try {
        const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((id) => id.startsWith(topicPrefix));
        if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
      } finally {
        await admin.disconnect();
      }
      await deleteTopics(kafka, topicDefinitions().map((topic) => topicPrefix + topic.name)).catch(() => undefined);
    },
  };
};

export type Pipeline = Awaited<ReturnType<typeof startPipeline>>;
