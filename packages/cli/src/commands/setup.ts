// `rivulet setup`: what `rivulet infra up` does once the services run (database migrations, topics,
// event schemas), against services run elsewhere (docker-compose.yml's `setup` service, the
// Kubernetes Job rivulet-setup). Installs and starts nothing; idempotent; retried while the services
// come up.
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { parseDuration } from '@rivulet/config';
import { ensureTopics, TopicChangeRefused } from '@rivulet/kafka';
import { migrate, MIGRATIONS_DIR } from '@rivulet/store';
import { cliCodec, cliKafka, type CliConfig } from '../context.js';
import { formatMs, say, warn } from '../output.js';
import { loadTopicSettings, type TopicSettings } from '../topic-settings.js';
import { topicDefinitions } from '../topics.js';
import type { CommandAction } from './ask.js';

export interface SetupOptions {
  /** How long to retry while a service is not ready, e.g. `30s`, `5m`. */
  wait: string;
}

const RETRY_PAUSE_MS = 5000;
const BROKER_PROBE_TIMEOUT_MS = 3000;

/** Resolves once one broker accepts a TCP connection: KafkaJS retries a closed port for longer than a short --wait. */
const brokerReachable = async (brokers: readonly string[]): Promise<void> => {
  const reasons: string[] = [];
  for (const broker of brokers) {
    const separator = broker.lastIndexOf(':');
    const host = broker.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
    const port = Number(broker.slice(separator + 1));
    const reason = await new Promise<string | undefined>((resolve) => {
      const socket = connect({ host, port, timeout: BROKER_PROBE_TIMEOUT_MS });
      socket.once('connect', () => { socket.destroy(); resolve(undefined); });
      socket.once('timeout', () => { socket.destroy(); resolve('no answer'); });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    if (reason === undefined) return;
    reasons.push(`${broker} ${reason}`);
  }
  throw new Error(`no broker reachable (${reasons.join(', ')})`);
};

interface Step {
  /** The service the step needs, named in progress lines and in the final failure. */
  service: string;
  /** Does the step; returns its one-line report. */
  run: (config: CliConfig) => Promise<string>;
}

// The same calls as `rivulet infra up` makes once its services are ready (commands/infra.ts).
const setupSteps = (topicSettings: TopicSettings): readonly Step[] => [
  {
    service: 'PostgreSQL',
    run: async (config) => {
      const applied = await migrate({ databaseUrl: config.DATABASE_URL });
      const total = (await readdir(MIGRATIONS_DIR)).filter((file) => file.endsWith('.sql')).length;
      return `migrations: ${total} applied (${applied.length} new${applied.length > 0 ? `: ${applied.join(', ')}` : ''})`;
    },
  },
  {
    service: 'Kafka',
    run: async (config) => {
      await brokerReachable(config.KAFKA_BROKERS);
      const changes = await ensureTopics(cliKafka(config), topicDefinitions(topicSettings), { prefix: config.KAFKA_TOPIC_PREFIX });
      const count = (action: string) => changes.filter((change) => change.action === action).length;
      const grown = count('partitions-increased');
      const updated = count('config-updated');
      return `topics: ${changes.length} present (${count('created')} created${grown > 0 ? `, ${grown} with more partitions` : ''}${updated > 0 ? `, ${updated} with new retention` : ''})`;
    },
  },
  {
    service: 'schema registry',
    run: async (config) => `schemas: ${Object.keys(await cliCodec(config).registerAll()).length} registered`,
  },
];

const firstLine = (error: unknown): string => String((error as Error | undefined)?.message ?? error).split('\n')[0]!;

/** Rejects when `work` has not settled within `ms`; `work` itself goes on (and is awaited again next attempt). */
const within = <T>(work: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${formatMs(ms)}`)), ms);
  });
  return Promise.race([work, expiry]).finally(() => clearTimeout(timer));
};

/** `rivulet setup`: 0 when every step succeeded, 1 when --wait ran out, 2 for a bad --wait. */
export const setup = async (config: CliConfig, options: SetupOptions): Promise<number> => {
  let waitMs: number;
  try {
    waitMs = parseDuration(options.wait);
  } catch (error) {
    warn(`--wait: ${(error as Error).message}`);
    return 2;
  }
  // A bad override is a configuration error (exit 2), not a service to wait for.
  const steps = setupSteps(loadTopicSettings());
  const began = Date.now();
  const deadline = began + waitMs;
  // A step still running when its attempt timed out is awaited again rather than started twice.
  const running = new Map<Step, Promise<string>>();
  let pending = steps;
  for (let attempt = 1; ; attempt += 1) {
    const outcomes = await Promise.all(pending.map(async (step) => {
      const work = running.get(step) ?? step.run(config);
      running.set(step, work);
      try {
        const report = await within(work, Math.max(deadline - Date.now(), 1000));
        running.delete(step);
        return { step, report };
      } catch (error) {
        void work.then(() => undefined, () => running.delete(step));
        return { step, failure: firstLine(error), permanent: error instanceof TopicChangeRefused };
      }
    }));
    for (const outcome of outcomes) if (outcome.report) say(outcome.report);
    const failed = outcomes.filter((outcome) => outcome.failure !== undefined);
    if (failed.length === 0) {
      say(`setup: done in ${formatMs(Date.now() - began)}`);
      return 0;
    }
    const refused = failed.filter((outcome) => outcome.permanent);
    if (refused.length > 0) {
      // Not a service still coming up: waiting changes nothing.
      warn(`setup: refused: ${refused.map((outcome) => outcome.failure).join('; ')}`);
      return 1;
    }
    pending = failed.map((outcome) => outcome.step);
    const failing = failed.map((outcome) => `${outcome.step.service} (${outcome.failure})`).join(', ');
    const left = deadline - Date.now();
    if (left <= 0) {
      warn(`setup: gave up after ${options.wait}; still failing: ${failing}`);
      return 1;
    }
    const pause = Math.min(RETRY_PAUSE_MS, left);
    warn(`setup: attempt ${attempt} waiting for ${failing}; again in ${formatMs(pause)} (${formatMs(left)} left)`);
    await sleep(pause);
  }
};

/** Adds `rivulet setup` to the program. */
export const registerSetupCommand = (program: Command, action: CommandAction): Command =>
  program
    .command('setup')
    .description('Prepare services run elsewhere, installing nothing: apply the database migrations, create the topics, register the event schemas; retried until --wait runs out.')
    .option('--wait <duration>', 'how long to retry while the services come up, e.g. 30s, 5m', '5m')
    .action(action((config, options: SetupOptions) => setup(config, options)));
