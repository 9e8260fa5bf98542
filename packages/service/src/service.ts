import { createKafkaClient, EventCodec, EventProducer, stopOnSignals, Worker, type Kafka, type Stoppable, type WorkerOptions } from '@rivulet/kafka';
import {
  createLogger, createMetrics, createPipelineMetrics, createTracing, startOpsServer, type Logger, type Metrics, type OpsServer, type Tracer,
} from '@rivulet/observability';
import { EVENT_TYPES, TOPICS, type EventRecords, type EventType } from '@rivulet/schemas';

/** The base settings every process reads (a subset of `baseVariables` from @rivulet/config). */
export interface ServiceSettings {
  LOG_LEVEL: string;
  KAFKA_BROKERS: readonly string[];
  KAFKA_CLIENT_ID: string;
  KAFKA_TOPIC_PREFIX: string;
  SCHEMA_REGISTRY_URL: string;
  OPS_HOST: string;
  OPS_PORT: number;
  /** Tracing (docs/operations.md, "Tracing"): off unless one of the two endpoints is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  /** Default `rivulet-<name>`. */
  OTEL_SERVICE_NAME?: string | undefined;
  /** Share of new traces recorded, 0 to 1; default 1. */
  OTEL_TRACES_SAMPLER_ARG?: number | undefined;
}

/** The consumer tunables (`withKafkaConsumer` in @rivulet/config), for processes that consume. */
export interface ConsumerSettings {
  KAFKA_SESSION_TIMEOUT: number;
  KAFKA_HEARTBEAT_INTERVAL: number;
  CONSUMER_MAX_IN_FLIGHT_PER_PARTITION: number;
  CONSUMER_MAX_ATTEMPTS: number;
  CONSUMER_RETRY_INITIAL_DELAY: number;
  CONSUMER_RETRY_MAX_DELAY: number;
  CONSUMER_SHUTDOWN_TIMEOUT: number;
}

export type ReadinessCheck = () => Promise<void>;

type Admin = ReturnType<Kafka['admin']>;

/** What a process decides about its consumer; the rest comes from the service and its settings. */
export type ServiceWorkerOptions<In extends EventType> = Omit<
  WorkerOptions<EventRecords, In>,
  'kafka' | 'codec' | 'producer' | 'instrumentation' | 'logger' | 'deadLetterTopic' | 'tracer'
> & { deadLetterTopic?: string };

/** What a process's main.ts builds its worker or server from. */
export interface Service {
  name: string;
  logger: Logger;
  metrics: Metrics;
  kafka: Kafka;
  codec: EventCodec<EventRecords>;
  producer: EventProducer<EventRecords>;
  instrumentation: ReturnType<typeof createPipelineMetrics>;
  /**
   * Starts spans when tracing is on (an OTLP endpoint is set); `undefined` when it is off, so call
   * sites skip all tracing work. Workers built by `worker()` get it already.
   */
  tracer: Tracer | undefined;
  /**
   * Resolves once the tracing SDK is loaded (at once when tracing is off); until then `tracer`
   * starts no spans. `serve()` waits for it; a process that handles requests before serving calls it first.
   */
  tracingReady(): Promise<void>;
  /**
   * A consumer on this service's client, codec, producer, metrics and logger, with the consumer
   * tunables from the settings; stopped on shutdown before the producer.
   */
  worker<In extends EventType>(options: ServiceWorkerOptions<In>): Worker<EventRecords, In>;
  /** Adds something to stop on shutdown; stopped in reverse order of registration. */
  onStop(component: Stoppable): void;
  /**
   * The checks of /ready: Kafka and the schema registry, then `extra` (the process's own
   * dependencies). Every caller shares one admin client, disconnected on shutdown; a process that
   * answers /ready on a second server too (the ingress's API port) asks here for the same checks.
   */
  readiness(extra?: Readonly<Record<string, ReadinessCheck>>): Record<string, ReadinessCheck>;
  /**
   * Waits for the tracing SDK (when tracing is on), then starts the /health, /ready, /metrics
   * server (with `readiness(extra)`) and installs the SIGTERM/SIGINT handlers.
   */
  serve(readiness?: Readonly<Record<string, ReadinessCheck>>): Promise<OpsServer>;
  /** Stops everything registered (what SIGTERM does), for tests and supervisors. */
  stop(): Promise<void>;
}

/**
 * The shared wiring of every Rivulet process: one root logger, one metrics registry, the
 * Kafka client, registry codec and producer, the ops server, and ordered shutdown.
 */
export const createService = (name: string, settings: ServiceSettings & Partial<ConsumerSettings>, { exit }: { exit?: (code: number) => void } = {}): Service => {
  const logger = createLogger({ name, level: settings.LOG_LEVEL as 'info' });
  const metrics = createMetrics();
  const instrumentation = createPipelineMetrics(metrics);
  const kafka = createKafkaClient({ brokers: [...settings.KAFKA_BROKERS], clientId: settings.KAFKA_CLIENT_ID, logger });
  const codec = new EventCodec<EventRecords>({ registryUrl: settings.SCHEMA_REGISTRY_URL, catalog: EVENT_TYPES });
  const producer = new EventProducer<EventRecords>({ kafka, codec, instrumentation, topicPrefix: settings.KAFKA_TOPIC_PREFIX });
  // Undefined without an endpoint: the OpenTelemetry SDK is then never loaded.
  const tracing = createTracing({
    endpoint: settings.OTEL_EXPORTER_OTLP_ENDPOINT, tracesEndpoint: settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    serviceName: settings.OTEL_SERVICE_NAME ?? `rivulet-${name}`, logger,
    ...(settings.OTEL_TRACES_SAMPLER_ARG === undefined ? {} : { sampleRatio: settings.OTEL_TRACES_SAMPLER_ARG }),
  });
  const tracer = tracing?.tracer;
  const stoppables: Stoppable[] = [producer];
  let ops: OpsServer | undefined;
  let stopping: Promise<void> | undefined;
  let admin: Admin | undefined;

  /** Created on the first readiness call; disconnected just before the producer, after everything else. */
  const readinessAdmin = (): Admin => {
    if (admin) return admin;
    const created = kafka.admin();
    stoppables.splice(1, 0, { stop: () => created.disconnect() });
    admin = created;
    return created;
  };

  const readiness = (extra: Readonly<Record<string, ReadinessCheck>> = {}): Record<string, ReadinessCheck> => {
    const probe = readinessAdmin();
    return {
      kafka: async () => {
        await probe.connect();
        await probe.describeCluster();
      },
      schemaRegistry: async () => {
        const response = await fetch(`${settings.SCHEMA_REGISTRY_URL}/subjects`, { signal: AbortSignal.timeout(1500) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      },
      ...extra,
    };
  };

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
      // Last: the spans of the events the workers finished while stopping go out too.
      await tracing?.shutdown();
      await ops?.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  return {
    name, logger, metrics, kafka, codec, producer, instrumentation, tracer,
    tracingReady: async () => {
      await tracing?.ready;
    },
    onStop: (component) => stoppables.push(component),
    worker: <In extends EventType>(options: ServiceWorkerOptions<In>) => {
      const tunables = {
        ...(settings.KAFKA_SESSION_TIMEOUT === undefined ? {} : { sessionTimeoutMs: settings.KAFKA_SESSION_TIMEOUT }),
        ...(settings.KAFKA_HEARTBEAT_INTERVAL === undefined ? {} : { heartbeatIntervalMs: settings.KAFKA_HEARTBEAT_INTERVAL }),
        ...(settings.CONSUMER_MAX_IN_FLIGHT_PER_PARTITION === undefined ? {} : { maxInFlightPerPartition: settings.CONSUMER_MAX_IN_FLIGHT_PER_PARTITION }),
        ...(settings.CONSUMER_MAX_ATTEMPTS === undefined ? {} : { maxAttempts: settings.CONSUMER_MAX_ATTEMPTS }),
        ...(settings.CONSUMER_RETRY_INITIAL_DELAY === undefined ? {} : { retryInitialDelayMs: settings.CONSUMER_RETRY_INITIAL_DELAY }),
        ...(settings.CONSUMER_RETRY_MAX_DELAY === undefined ? {} : { retryMaxDelayMs: settings.CONSUMER_RETRY_MAX_DELAY }),
        ...(settings.CONSUMER_SHUTDOWN_TIMEOUT === undefined ? {} : { shutdownTimeoutMs: settings.CONSUMER_SHUTDOWN_TIMEOUT }),
      };
      const worker = new Worker<EventRecords, In>({
        kafka, codec, producer, instrumentation, tracer, deadLetterTopic: TOPICS.deadLetter,
        logger: logger.child({ component: 'worker', group: options.groupId }),
        ...tunables, ...options,
      });
      stoppables.push(worker);
      return worker;
    },
    readiness,
    serve: async (extra = {}) => {
      await tracing?.ready;
      ops = await startOpsServer({ host: settings.OPS_HOST, port: settings.OPS_PORT, metrics, logger, readiness: readiness(extra) });
      stopOnSignals([{ stop }], logger, exit);
      logger.info({ ops: ops.url }, `${name} serving /health, /ready and /metrics`);
      return ops;
    },
    stop,
  };
};
