import { createKafkaClient, EventCodec, EventProducer, stopOnSignals, type Kafka, type Stoppable } from '@rivulet/kafka';
import { createLogger, createMetrics, createPipelineMetrics, startOpsServer, type Logger, type Metrics, type OpsServer } from '@rivulet/observability';
import { EVENT_TYPES, type EventRecords } from '@rivulet/schemas';

/** The base settings every process reads (a subset of `baseVariables` from @rivulet/config). */
export interface ServiceSettings {
  LOG_LEVEL: string;
  KAFKA_BROKERS: readonly string[];
  KAFKA_CLIENT_ID: string;
  SCHEMA_REGISTRY_URL: string;
  OPS_HOST: string;
  OPS_PORT: number;
}

export type ReadinessCheck = () => Promise<void>;

/** What a process's main.ts builds its worker or server from. */
export interface Service {
  name: string;
  logger: Logger;
  metrics: Metrics;
  kafka: Kafka;
  codec: EventCodec<EventRecords>;
  producer: EventProducer<EventRecords>;
  instrumentation: ReturnType<typeof createPipelineMetrics>;
  /** Adds something to stop on shutdown; stopped in reverse order of registration. */
  onStop(component: Stoppable): void;
  /** Starts the /health, /ready, /metrics server and installs the SIGTERM/SIGINT handlers. */
  serve(readiness?: Record<string, ReadinessCheck>): Promise<OpsServer>;
  /** Stops everything registered (what SIGTERM does), for tests and supervisors. */
  stop(): Promise<void>;
}

/**
 * The shared wiring of every Rivulet process: one root logger, one metrics registry, the
 * Kafka client, registry codec and producer, the ops server, and ordered shutdown.
 */
export const createService = (name: string, settings: ServiceSettings, { exit }: { exit?: (code: number) => void } = {}): Service => {
  const logger = createLogger({ name, level: settings.LOG_LEVEL as 'info' });
  const metrics = createMetrics();
  const instrumentation = createPipelineMetrics(metrics);
  const kafka = createKafkaClient({ brokers: [...settings.KAFKA_BROKERS], clientId: settings.KAFKA_CLIENT_ID, logger });
  const codec = new EventCodec<EventRecords>({ registryUrl: settings.SCHEMA_REGISTRY_URL, catalog: EVENT_TYPES });
  const producer = new EventProducer<EventRecords>({ kafka, codec, instrumentation });
  const stoppables: Stoppable[] = [producer];
  let ops: OpsServer | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      ops?.setReady(false);
      for (const component of [...stoppables].reverse()) {
        try {
          await component.stop();
        } catch (error) {
          logger.error({ error }, 'shutdown step failed');
        }
      }
      await ops?.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  return {
    name, logger, metrics, kafka, codec, producer, instrumentation,
    onStop: (component) => stoppables.push(component),
    serve: async (readiness = {}) => {
      const admin = kafka.admin();
      ops = await startOpsServer({
        host: settings.OPS_HOST, port: settings.OPS_PORT, metrics, logger,
        readiness: {
          kafka: async () => {
            await admin.connect();
            await admin.describeCluster();
          },
          schemaRegistry: async () => {
            const response = await fetch(`${settings.SCHEMA_REGISTRY_URL}/subjects`, { signal: AbortSignal.timeout(1500) });
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
          },
          ...readiness,
        },
      });
      stoppables.splice(1, 0, { stop: () => admin.disconnect() });
      stopOnSignals([{ stop }], logger, exit);
      logger.info({ ops: ops.url }, `${name} serving /health, /ready and /metrics`);
      return ops;
    },
    stop,
  };
};
