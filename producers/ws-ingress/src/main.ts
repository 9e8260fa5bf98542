// The ingress process: the only place that reads configuration and builds clients.
//   node producers/ws-ingress/dist/main.js     (or `rivulet ingress`)
// The wiring is in wiring/: clients and stores, the feeds, the services, the HTTP and WebSocket front.
import { pathToFileURL } from 'node:url';
import { ConfigError, type Environment } from '@rivulet/config';
import { createService, type ReadinessCheck, type Service } from '@rivulet/service';
import { DEVELOPMENT_API_KEY, loadIngressConfig, type IngressConfig } from './config.js';
import { createIngressMetrics } from './metrics.js';
import { connectClients, type IngressClients } from './wiring/clients.js';
import { feedChecks, startFeeds, type IngressFeeds } from './wiring/feeds.js';
import { startFront } from './wiring/http.js';
import { createServices } from './wiring/services.js';

export interface RunIngressOptions {
  /** Called after a SIGTERM/SIGINT shutdown with the exit code; default `process.exit`. */
  exit?: (code: number) => void;
}

export interface RunningIngress {
  /** `http://host:port` of the HTTP API and WebSocket (`ws://host:port/v1/ws`). */
  url: string;
  /** `http://host:port` of the ops server (/health, /ready, /metrics on OPS_HOST:OPS_PORT). */
  opsUrl: string;
  /** Graceful stop: refuse new work, close sockets (1001), finish requests, leave the group, close clients. */
  stop(): Promise<void>;
}

const usesDevelopmentKey = (config: IngressConfig): boolean => config.RIVULET_API_KEYS.some(({ key }) => key === DEVELOPMENT_API_KEY);

const refuseDevelopmentKeyInProduction = (config: IngressConfig): void => {
  if (config.RIVULET_ENV === 'production' && usesDevelopmentKey(config)) {
    throw new ConfigError([{ variable: 'RIVULET_API_KEYS', expected: 'keys of your own in production (the development key is public)', found: '<redacted>' }]);
  }
};

/** What the ingress depends on beyond Kafka and the registry (the service adds those two). */
const dependencyChecks = ({ pool, redis }: IngressClients, feeds: IngressFeeds): Record<string, ReadinessCheck> => ({
  postgres: async () => {
    await pool.query('SELECT 1');
  },
  ...feedChecks(feeds),
  redis: async () => void (await redis.ping()),
});

/** Builds everything in order; each part registers its own stop with the service. */
const wire = async (service: Service, config: IngressConfig): Promise<RunningIngress> => {
  // Spans from the first request on: the feeds and the HTTP server start before serve().
  await service.tracingReady();
  const ingressMetrics = createIngressMetrics(service.metrics);
  const clients = await connectClients(service, config);
  const feeds = await startFeeds(service, config, clients.redis);
  const services = createServices(service, config, clients, feeds, ingressMetrics);
  const dependencies = dependencyChecks(clients, feeds);
  const { url } = await startFront({
    service, config, clients, services, statuses: feeds.statuses, ingressMetrics, readiness: service.readiness(dependencies),
  });
  const ops = await service.serve(dependencies);
  service.logger.info({
    url, websocket: `${url.replace(/^http/, 'ws')}/v1/ws`, instanceId: config.INGRESS_INSTANCE_ID, statusGroup: feeds.statusFeed.groupId, replyPartition: feeds.lease.partition,
  }, 'ingress listening');
  return { url, opsUrl: ops.url, stop: () => service.stop() };
};

/** Starts one ingress: HTTP + WebSocket on INGRESS_HOST:INGRESS_PORT, the status feed, the ops server. */
export const runIngress = async (env: Environment = process.env, { exit }: RunIngressOptions = {}): Promise<RunningIngress> => {
  const config = loadIngressConfig(env);
  refuseDevelopmentKeyInProduction(config);
  const service = createService('ingress', config, exit ? { exit } : {});
  if (usesDevelopmentKey(config)) service.logger.warn('RIVULET_API_KEYS includes the public development key; set keys of your own outside development');
  try {
    return await wire(service, config);
  } catch (error) {
    await service.stop();
    throw error;
  }
};

// Run directly: start, and let SIGTERM/SIGINT stop it (wired by service.serve).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await runIngress();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : `ingress failed to start: ${(error as Error).message}`}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
}
