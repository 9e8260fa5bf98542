import { infraDown, infraStatus, infraUp, InfraError, type ServiceStatus } from '@rivulet/infra';
import { ensureTopics, type TopicChange } from '@rivulet/kafka';
import { migrate } from '@rivulet/store';
import { cliCodec, cliKafka, type CliConfig } from '../context.js';
import { formatBytes, formatMs, say, table, warn } from '../output.js';
import { loadTopicSettings } from '../topic-settings.js';
import { topicDefinitions } from '../topics.js';

const statusTable = (statuses: readonly ServiceStatus[]): string =>
  table([
    ['COMPONENT', 'ADDRESS', 'HEALTH', 'PID', 'MEMORY', 'STARTUP', 'DETAIL'],
    ...statuses.map((status) => [
      status.component, status.address, status.healthy ? 'up' : 'DOWN', status.pid ? String(status.pid) : '-',
      formatBytes(status.rssBytes), formatMs(status.startupMs), status.detail,
    ]),
  ]);

/** One line: how many topics are present, and what changed in each that changed. */
export const describeTopicChanges = (changes: readonly TopicChange[]): string => {
  const changed = changes.filter((change) => change.action !== 'unchanged');
  if (changed.length === 0) return `${changes.length} present`;
  return changed.map((change) => {
    const settings = (change.configChanges ?? []).map(({ name, from, to }) => `${name} ${from ?? 'unset'} -> ${to}`).join(', ');
    return `${change.name} ${change.action}${change.action === 'partitions-increased' ? ` to ${change.partitions}` : ''}${settings ? ` (${settings})` : ''}`;
  }).join('; ');
};

const infraOptions = (config: CliConfig) => ({
  home: config.RIVULET_HOME,
  onProgress: ({ component, message }: { component: string; message: string }) => say(`[${component}] ${message}`),
});

/**
 * `rivulet infra up`: the services, then what Rivulet needs inside them: database
 * migrations, topics (never auto-created) and the event schemas in the registry.
 */
export const up = async (config: CliConfig): Promise<number> => {
  const began = Date.now();
  // Read before anything starts, so a bad override stops the command at once.
  const topicSettings = loadTopicSettings();
  let statuses: ServiceStatus[];
  try {
    statuses = await infraUp(infraOptions(config));
  } catch (error) {
    if (error instanceof InfraError) {
      warn(`\n${error.component} failed: ${error.message}\nRead ${error.logFile}`);
      return 1;
    }
    throw error;
  }
  const applied = await migrate({ databaseUrl: config.DATABASE_URL });
  say(`[postgres] migrations: ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}`);
  const kafka = cliKafka(config);
  const changes = await ensureTopics(kafka, topicDefinitions(topicSettings), { prefix: config.KAFKA_TOPIC_PREFIX });
  say(`[kafka] topics: ${describeTopicChanges(changes)}`);
  const ids = await cliCodec(config).registerAll();
  say(`[schema-registry] ${Object.keys(ids).length} event schemas registered (BACKWARD compatibility)`);
  say(`\n${statusTable(statuses)}\n`);
  say(`Schema registry (Confluent API): ${config.SCHEMA_REGISTRY_URL}`);
  say(`Ready in ${formatMs(Date.now() - began)}.`);
  return 0;
};

export const down = async (config: CliConfig): Promise<number> => {
  await infraDown(infraOptions(config));
  say('Backing services stopped (data kept in RIVULET_HOME).');
  return 0;
};

/** Exits non-zero, naming the component, when any service is down. */
export const status = async (config: CliConfig): Promise<number> => {
  const statuses = await infraStatus(infraOptions(config));
  say(statusTable(statuses));
  say(`\nSchema registry (Confluent API): ${config.SCHEMA_REGISTRY_URL}`);
  const down = statuses.filter((entry) => !entry.healthy);
  if (down.length > 0) {
    warn(`Down: ${down.map((entry) => `${entry.component} (log: ${entry.logFile})`).join(', ')}`);
    return 1;
  }
  return 0;
};
