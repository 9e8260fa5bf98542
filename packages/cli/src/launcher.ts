import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@rivulet/infra';
import { createKafkaClient, deleteTopics, ensureTopics, silentLogger } from '@rivulet/kafka';
import { topicDefinitions } from './topics.js';

const bin = fileURLToPath(new URL('../bin/rivulet.js', import.meta.url));

export type ProcessName = 'ingress' | 'ingestion' | 'embedding' | 'indexer' | 'retrieval' | 'generation' | 'persistence';

/** Every process of the pipeline, in start order. */
export const ALL_PROCESSES: ProcessName[] = ['ingress', 'ingestion', 'embedding', 'indexer', 'retrieval', 'generation', 'persistence'];

/** A process instance: `generation` is the first, `generation#2` a second one. */
export type InstanceName = ProcessName | `${ProcessName}#${number}`;

const processOf = (instance: InstanceName): ProcessName => instance.split('#')[0] as ProcessName;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Running {
  child: ChildProcess;
  opsUrl: string;
  exited: Promise<number | null>;
}

export interface PipelineOptions {
  processes?: InstanceName[];
  /** Extra environment for every process (e.g. tunables under test). */
  env?: Record<string, string>;
  /**
   * Topics and consumer groups of its own (KAFKA_TOPIC_PREFIX), created at start and deleted
   * at close, so concurrent pipelines on one cluster never see each other's events. Default true.
   */
  isolated?: boolean;
  /** Further tenants, each with an API key of its own (`pipeline.tenants`), for isolation tests. Default 0. */
  extraTenants?: number;
}

/**
 * The real pipeline as an operator runs it: `rivulet ingress` and `rivulet worker <name>`
 * child processes on the real services, each with its own ops port, logs in a temp folder.
 * A tenant and API key of its own keep its data apart. Tests and benchmarks use it.
 */
export const startPipeline = async ({ processes = ['ingress', 'ingestion', 'embedding', 'indexer'], env = {}, isolated = true, extraTenants = 0 }: PipelineOptions = {}) => {
  const logs = await mkdtemp(join(tmpdir(), 'rivulet-e2e-'));
  const tenant = `e2e-${randomBytes(4).toString('hex')}`;
  const topicPrefix = isolated ? `${tenant}.` : (env.KAFKA_TOPIC_PREFIX ?? '');
  const kafka = createKafkaClient({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'rivulet-launcher', logger: silentLogger });
  if (isolated) await ensureTopics(kafka, topicDefinitions(), { prefix: topicPrefix });
  const apiKey = `key-${randomBytes(12).toString('hex')}`;
  const tenants = [{ tenant, apiKey }, ...Array.from({ length: extraTenants }, (_, index) => ({ tenant: `${tenant}-${index + 2}`, apiKey: `key-${randomBytes(12).toString('hex')}` }))];
  const ingressPort = await freePort();
  const running = new Map<InstanceName, Running>();
  const ingressUrls = new Map<InstanceName, string>();
  const shared: Record<string, string> = {
    LOG_LEVEL: 'info', RIVULET_ENV: 'test', KAFKA_SESSION_TIMEOUT: '6s', KAFKA_HEARTBEAT_INTERVAL: '1s',
    RIVULET_API_KEYS: tenants.map((entry) => `${entry.tenant}:${entry.apiKey}`).join(','),
    // Tests and benchmarks drive one key hard; rate limits have tests of their own.
    RATE_LIMIT_PER_MINUTE: '0', INGRESS_PORT: String(ingressPort), KAFKA_TOPIC_PREFIX: topicPrefix,
    // The database is shared, not isolated like the topics: a persistence worker's cleanup rounds
    // would delete other runs' (and other tests') old conversations. The schedule has tests of its own.
    // Likewise an indexer's document sweep would fail other runs' unfinished documents: the sweep
    // has tests of its own (consumers/indexer/test/document-sweep.test.ts).
    CONVERSATION_RETENTION: 'off', DOCUMENT_PROCESSING_TIMEOUT: 'off', ...env,
  };

  const start = async (name: InstanceName, extraEnv: Record<string, string> = {}): Promise<void> => {
    const kind = processOf(name);
    const opsPort = await freePort();
    const port = kind === 'ingress' ? (name === 'ingress' ? ingressPort : await freePort()) : opsPort;
    const args = kind === 'ingress' ? ['ingress'] : ['worker', kind];
    const log = createWriteStream(join(logs, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...shared, OPS_PORT: String(opsPort), ...(kind === 'ingress' ? { INGRESS_PORT: String(port) } : {}), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Two sources into one file: neither may end it (pipe's default), or the other's last lines
    // are written after the end (ERR_STREAM_WRITE_AFTER_END, unhandled); 'close' comes after both.
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('close', () => log.end());
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const opsUrl = `http://127.0.0.1:${port}`;
    running.set(name, { child, opsUrl, exited });
    if (kind === 'ingress') ingressUrls.set(name, opsUrl);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; log: ${join(logs, `${name}.log`)}\n${await readFile(join(logs, `${name}.log`), 'utf8')}`);
      const ready = await fetch(`${opsUrl}/ready`).then((response) => response.ok, () => false);
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`${name} not ready after 60 s; log: ${join(logs, `${name}.log`)}`);
      await sleep(200);
    }
  };

  const stop = async (name: InstanceName, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    const entry = running.get(name);
    if (!entry) return null;
    running.delete(name);
    entry.child.kill(signal);
    return entry.exited;
  };

  for (const name of processes) await start(name);

  return {
    tenant, apiKey, logs,
    /** Every tenant with its key; the first is `tenant` / `apiKey`. */
    tenants,
    url: `http://127.0.0.1:${ingressPort}`,
    /** The HTTP and WebSocket base URL of an ingress instance (`ingress`, `ingress#2`, …). */
    ingressUrl: (name: InstanceName = 'ingress') => ingressUrls.get(name),
    opsUrl: (name: InstanceName) => running.get(name)?.opsUrl,
    pid: (name: InstanceName) => running.get(name)?.child.pid,
    start, stop,
    /** One counter or gauge of a process's /metrics, summed over the series matching `labels`. */
    metric: async (name: InstanceName, metric: string, labels: Record<string, string> = {}): Promise<number> => {
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
