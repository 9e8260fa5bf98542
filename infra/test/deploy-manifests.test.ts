// The deployment files (Dockerfile, docker-compose.yml, infra/k8s, infra/observability) checked
// against the code they deploy, so that a renamed variable, port, route, consumer group, topic or
// metric fails here rather than in a cluster. Reads files only: no network, no Docker, no cluster.
// The code is read as text where importing it would make @rivulet/infra depend on packages that
// depend on it (@rivulet/cli) or that it does not declare.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
// js-yaml (a dev dependency of this workspace) has no type declarations here; loaded
// through require so type-checking does not need them.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown; loadAll(text: string): unknown[] };
const matches = (text: string, pattern: RegExp): RegExpExecArray[] => [...text.matchAll(pattern)];

// ---- What the code says -------------------------------------------------------------------------

const processList = /export const ALL_PROCESSES[^=]*=\s*\[([^\]]*)\]/.exec(read('packages/cli/src/launcher.ts'))?.[1] ?? '';
const PROCESSES = matches(processList, /'([a-z]+)'/g).map((match) => match[1]!);
const WORKERS = matches(read('packages/cli/src/commands/worker.ts'), /^ {2}([a-z]+): \{ run:/gm).map((match) => match[1]!);

interface Variable { secret: boolean; defaultValue: string; usedBy: string[] }
/** docs/configuration.md's table, generated from every process's config schema. */
const VARIABLES = new Map<string, Variable>(
  read('docs/configuration.md').split('\n').filter((line) => line.startsWith('| `')).map((line) => {
    const cells = line.slice(1, -1).split(' | ').map((cell) => cell.trim());
    const name = /^`([A-Z0-9_]+)`$/.exec(cells[0]!)?.[1] ?? '';
    const usedBy = cells.at(-1)!.split(',').map((entry) => entry.trim());
    return [name, { secret: cells.at(-2) === 'yes', defaultValue: cells.at(-3)!.replaceAll('`', ''), usedBy }];
  }),
);
/** The processes a variable is read by, from its "Used by" column. */
const readers = (name: string): string[] => {
  const usedBy = VARIABLES.get(name)?.usedBy ?? [];
  if (usedBy.includes('every process')) return PROCESSES;
  return [...(usedBy.includes('Kafka consumers') ? WORKERS : []), ...usedBy.map((entry) => entry.replace(/ worker$/, '')).filter((entry) => PROCESSES.includes(entry))];
};

const INGRESS_ROUTES = matches(read('producers/ws-ingress/src/http/server.ts'), /case '(\/[a-z]+)':/g).map((match) => match[1]!);
const OPS_ROUTES = matches(read('packages/observability/src/ops-server.ts'), /^ {4}'(\/[a-z]+)': /gm).map((match) => match[1]!);

const topicsSource = read('schemas/src/topics.ts');
const TOPIC_NAMES = new Map(matches(/export const TOPICS = \{([^}]*)\}/.exec(topicsSource)?.[1] ?? '', /(\w+): '([^']+)'/g).map((match) => [match[1]!, match[2]!]));
const defaultPartitions = Number(/export const DEFAULT_PARTITIONS = (\d+)/.exec(topicsSource)?.[1]);
const PARTITIONS = new Map(matches(topicsSource, /name: TOPICS\.(\w+),\s*partitions: (\w+)/g).map((match) =>
  [TOPIC_NAMES.get(match[1]!)!, match[2] === 'DEFAULT_PARTITIONS' ? defaultPartitions : Number(match[2])]));

/** Each worker's consumer groups and the topics each reads, from its main.ts. */
const consumedBy = (worker: string): string[] => {
  const source = read(`consumers/${worker}/src/main.ts`);
  const groups = new Map(matches(source, /export const (\w+_GROUP) = '([^']+)'/g).map((match) => [match[1]!, match[2]!]));
  return matches(source, /groupId: (\w+),\s*topics: \[([^\]]*)\]/g).flatMap((match) =>
    matches(match[2]!, /TOPICS\.(\w+)/g).map((topic) => `${groups.get(match[1]!)} ${TOPIC_NAMES.get(topic[1]!)}`));
};

const sourceFolders = ['packages', 'producers', 'consumers'].flatMap((parent) => readdirSync(join(root, parent)).map((name) => `${parent}/${name}/src`)).concat('schemas/src', 'infra/src');
const filesUnder = (folder: string, extension: string): string[] => !existsSync(join(root, folder)) ? [] : readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) =>
  entry.isDirectory() ? (['node_modules', 'dist', '.rivulet', '.git'].includes(entry.name) ? [] : filesUnder(`${folder}/${entry.name}`, extension)) : entry.name.endsWith(extension) ? [`${folder}/${entry.name}`] : []);
/** Every metric the code registers (`metrics.counter({ name: '…' })` and the like), by kind. */
const METRICS = new Map(sourceFolders.flatMap((folder) => filesUnder(folder, '.ts')).flatMap((file) =>
  matches(read(file), /\.(counter|gauge|histogram)\(\{\s*name: '([a-z_:][a-z0-9_:]*)'/g).map((match) => [match[2]!, match[1]!] as const)));
const isMetric = (name: string): boolean => {
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return METRICS.has(name) || (histogram !== undefined && METRICS.get(histogram) === 'histogram');
};

// ---- The deployment files -----------------------------------------------------------------------

type Environment = Record<string, string | number | null>;
interface ComposeService { image?: string; command?: string[]; entrypoint?: string[]; environment?: Environment; depends_on?: Record<string, { condition: string }>; healthcheck?: { test: string[] }; volumes?: string[] }
const compose = yaml.load(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
const RIVULET_IMAGE = 'rivulet:local';
const rivuletServices = Object.entries(compose.services).filter(([, service]) => service.image === RIVULET_IMAGE);

interface Probe { httpGet?: { path: string; port: number | string } }
interface Container {
  name: string; image: string; args?: string[]; command?: string[]; env?: Array<{ name: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>; ports?: Array<{ name?: string; containerPort: number }>;
  startupProbe?: Probe; livenessProbe?: Probe; readinessProbe?: Probe; resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec { containers: Container[]; initContainers?: Container[]; volumes?: Array<{ name: string; persistentVolumeClaim?: unknown }>; terminationGracePeriodSeconds?: number }
interface Manifest {
  kind: string; metadata: { name: string }; data?: Record<string, string>; stringData?: Record<string, string>;
  spec: {
    selector?: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
    scaleTargetRef: { name: string; kind?: string }; minReplicas?: number; maxReplicas: number; minReplicaCount?: number; maxReplicaCount: number;
    metrics?: Array<{ resource?: { name: string } }>; triggers: Array<{ type: string; metadata: Record<string, string> }>;
    ports: Array<{ targetPort: string | number }>;
  };
}
const kustomization = yaml.load(read('infra/k8s/kustomization.yaml')) as { resources: string[]; configMapGenerator: Array<{ files: string[] }> };
const manifests = kustomization.resources.flatMap((file) => yaml.loadAll(read(`infra/k8s/${file}`)) as Manifest[]);
const manifest = (kind: string, name: string): Manifest => {
  const found = manifests.find((candidate) => candidate.kind === kind && candidate.metadata.name === name);
  assert.ok(found, `infra/k8s has no ${kind} ${name} in kustomization.yaml's resources`);
  return found;
};
const configMap = manifest('ConfigMap', 'rivulet-config').data ?? {};
const secret = (yaml.load(read('infra/k8s/secret.example.yaml')) as Manifest).stringData ?? {};
const rivuletContainers = (pod: PodSpec): Container[] => [...pod.containers, ...(pod.initContainers ?? [])].filter((container) => container.image === 'rivulet');
const jobsAndDeployments = manifests.filter((entry) => entry.kind === 'Deployment' || entry.kind === 'Job');

/** The port a process serves /health, /ready and /metrics on, from the settings it is given. */
const expectedPort = (process: string, environment: Environment): number => {
  const name = process === 'ingress' ? 'INGRESS_PORT' : 'OPS_PORT';
  const port = Number(environment[name] ?? VARIABLES.get(name)?.defaultValue);
  assert.ok(port > 0, `${process}: ${name} must be a fixed port (its default, 0, picks a free one that no probe can know)`);
  return port;
};
/** A port given by number or by the name of one of the container's ports. */
const portNumber = (container: Container, port: number | string | undefined): number | undefined =>
  (typeof port === 'number' ? port : container.ports?.find(({ name }) => name === port)?.containerPort);
const routesOf = (process: string): string[] => (process === 'ingress' ? INGRESS_ROUTES : OPS_ROUTES);
const commandOf = (process: string): string[] => (process === 'ingress' ? ['ingress'] : ['worker', process]);
const seconds = (duration: string): number => {
  const [, value, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(duration) ?? [];
  return Number(value) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'];
};

// ---- The checks ---------------------------------------------------------------------------------

test('the code yields what these checks compare against (a parser that finds nothing would pass anything)', () => {
  assert.deepEqual(PROCESSES, ['ingress', ...WORKERS], 'ALL_PROCESSES (launcher.ts) is the ingress followed by the WORKERS of `rivulet worker`');
  assert.ok(WORKERS.length >= 6 && VARIABLES.size > 40 && METRICS.size > 30 && PARTITIONS.size === TOPIC_NAMES.size);
  for (const route of ['/health', '/ready', '/metrics']) assert.ok(INGRESS_ROUTES.includes(route) && OPS_ROUTES.includes(route), route);
  for (const worker of WORKERS) assert.ok(consumedBy(worker).length > 0, `no consumer groups found in consumers/${worker}/src/main.ts`);
});

test('docker-compose.yml runs every process with its command, port, health check and dependencies', () => {
  assert.deepEqual(rivuletServices.map(([name]) => name).sort(), [...PROCESSES, 'setup'].sort(), `the services on ${RIVULET_IMAGE}: every process and setup`);
  for (const process of PROCESSES) {
    const service = compose.services[process]!;
    assert.deepEqual(service.command, commandOf(process), `${process}: command`);
    const port = expectedPort(process, service.environment ?? {});
    const check = service.healthcheck?.test.join(' ') ?? '';
    const url = /http:\/\/127\.0\.0\.1:(\d+)(\/[a-z]+)/.exec(check);
    assert.equal(Number(url?.[1]), port, `${process}: the health check's port`);
    assert.equal(url?.[2], '/health', `${process}: the health check's path`);
    assert.ok(routesOf(process).includes('/health'));
    assert.equal(service.depends_on?.setup?.condition, 'service_completed_successfully', `${process} waits for setup`);
    assert.equal(service.depends_on?.kafka?.condition, 'service_healthy', `${process} waits for Kafka`);
    const mountsModels = (service.volumes ?? []).some((volume) => volume.startsWith('models:'));
    const readsModels = ['EMBEDDING_MODEL_DIR', 'CHAT_LOCAL_MODEL_PATH'].some((name) => readers(name).includes(process));
    assert.equal(mountsModels, readsModels, `${process}: mounts the models volume exactly when it reads a model`);
    if (mountsModels) assert.equal(service.depends_on?.models?.condition, 'service_completed_successfully', `${process} waits for the models`);
  }
  assert.deepEqual(compose.services.models?.entrypoint, ['sh', '/fetch-models.sh']);
  assert.ok(compose.services.models?.volumes?.includes('./infra/k8s/fetch-models.sh:/fetch-models.sh:ro'));
});

test('every variable set for a Rivulet process is documented, read by that process, and secret only in the Secret', () => {
  const documented = (where: string, names: string[]): void => {
    for (const name of names) assert.ok(VARIABLES.has(name), `${where}: ${name} is not in docs/configuration.md (renamed or removed?)`);
  };
  for (const [name, service] of rivuletServices) {
    const names = Object.keys(service.environment ?? {});
    documented(`docker-compose.yml ${name}`, names);
    if (!PROCESSES.includes(name)) continue;
    for (const variable of names) assert.ok(readers(variable).includes(name), `docker-compose.yml ${name}: ${variable} is not read by ${name}`);
  }
  documented('infra/k8s/configmap.yaml', Object.keys(configMap));
  for (const name of Object.keys(configMap)) {
    assert.ok(!VARIABLES.get(name)?.secret, `configmap.yaml: ${name} is secret: put it in the Secret`);
    assert.ok(readers(name).length > 0, `configmap.yaml: no deployed process reads ${name}`);
  }
  documented('infra/k8s/secret.example.yaml', Object.keys(secret));
  for (const name of Object.keys(secret)) assert.ok(VARIABLES.get(name)?.secret, `secret.example.yaml: ${name} is not a secret variable`);
  const deployedSecrets = [...VARIABLES].filter(([name, variable]) => variable.secret && readers(name).length > 0).map(([name]) => name);
  assert.deepEqual(Object.keys(secret).sort(), deployedSecrets.sort(), 'secret.example.yaml holds every secret variable a deployed process reads');
  for (const entry of jobsAndDeployments) {
    for (const container of rivuletContainers(entry.spec.template.spec)) documented(`${entry.kind} ${entry.metadata.name}`, (container.env ?? []).map(({ name }) => name));
  }
  const runtimeStage = read('Dockerfile').split(/^FROM /m).at(-1)!;
  const imageVariables = matches(runtimeStage, /^ENV ((?:\\\n|.)*)$/gm).flatMap((match) => matches(match[1]!, /([A-Z_][A-Z0-9_]*)=/g).map((name) => name[1]!));
  assert.ok(imageVariables.includes('RIVULET_HOME'), 'the Dockerfile\'s runtime ENV was parsed');
  documented('Dockerfile', imageVariables.filter((name) => name !== 'NODE_ENV'));
});

test('every Kubernetes Deployment runs its process and probes real routes on the process\'s port', () => {
  for (const process of PROCESSES) {
    const deployment = manifest('Deployment', `rivulet-${process}`);
    const { template, selector } = deployment.spec;
    for (const [label, value] of Object.entries(selector?.matchLabels ?? {})) assert.equal(template.metadata.labels[label], value, `${process}: selector matches the pods`);
    const [container] = template.spec.containers;
    assert.ok(container && container.image === 'rivulet', `${process}: the Rivulet image`);
    assert.deepEqual(container.args, commandOf(process), `${process}: args`);
    assert.ok(container.envFrom?.some((source) => source.configMapRef?.name === 'rivulet-config'), `${process}: env from the ConfigMap`);
    assert.ok(container.envFrom?.some((source) => source.secretRef?.name === 'rivulet-secrets'), `${process}: env from the Secret`);
    const port = expectedPort(process, configMap);
    for (const [kind, path] of [['startupProbe', '/health'], ['livenessProbe', '/health'], ['readinessProbe', '/ready']] as const) {
      const probe: Probe['httpGet'] = container[kind]?.httpGet;
      assert.equal(probe?.path, path, `${process}: ${kind} path`);
      assert.ok(routesOf(process).includes(path), `${process}: ${path} is not a route of the process`);
      assert.equal(portNumber(container, probe?.port), port, `${process}: ${kind} port`);
    }
    assert.equal(Number(template.metadata.annotations?.['prometheus.io/port']), port, `${process}: prometheus.io/port`);
    for (const kind of ['requests', 'limits'] as const) {
      assert.ok(container.resources?.[kind]?.cpu && container.resources[kind].memory, `${process}: ${kind} for cpu and memory`);
    }
    const shutdown = seconds(configMap.CONSUMER_SHUTDOWN_TIMEOUT ?? VARIABLES.get('CONSUMER_SHUTDOWN_TIMEOUT')!.defaultValue);
    assert.ok((template.spec.terminationGracePeriodSeconds ?? 30) > shutdown, `${process}: grace period above CONSUMER_SHUTDOWN_TIMEOUT`);
    const mountsModels = (template.spec.volumes ?? []).some((volume) => volume.name === 'models');
    const readsModels = ['EMBEDDING_MODEL_DIR', 'CHAT_LOCAL_MODEL_PATH'].some((name) => readers(name).includes(process));
    assert.equal(mountsModels, readsModels, `${process}: mounts the models volume exactly when it reads a model`);
    if (mountsModels) {
      assert.deepEqual(template.spec.initContainers?.[0]?.command, ['sh', '/scripts/fetch-models.sh', 'wait'], `${process}: waits for the models`);
      assert.ok(container.volumeMounts?.some(({ name, mountPath }) => name === 'models' && mountPath === configMap.RIVULET_HOME), `${process}: models at RIVULET_HOME`);
    }
  }
  const listed = new Set([...kustomization.resources, ...kustomization.configMapGenerator.flatMap(({ files }) => files)]);
  const unlisted = readdirSync(join(root, 'infra/k8s')).filter((file) => !listed.has(file) && !['README.md', 'kustomization.yaml', 'secret.example.yaml'].includes(file));
  assert.deepEqual(unlisted, [], 'every file of infra/k8s is in kustomization.yaml');
});

test('the ingress has a Service and a CPU autoscaler capped at the partitions of the replies topic', () => {
  const service = manifest('Service', 'rivulet-ingress');
  const container = manifest('Deployment', 'rivulet-ingress').spec.template.spec.containers[0]!;
  const targets = service.spec.ports.map(({ targetPort }) => portNumber(container, targetPort));
  assert.deepEqual(targets, [expectedPort('ingress', configMap)]);
  const autoscaler = manifest('HorizontalPodAutoscaler', 'rivulet-ingress');
  assert.equal(autoscaler.spec.scaleTargetRef.name, 'rivulet-ingress');
  assert.ok(autoscaler.spec.metrics?.some((metric) => metric.resource?.name === 'cpu'));
  const replies = PARTITIONS.get(TOPIC_NAMES.get('replies')!)!;
  assert.ok(autoscaler.spec.maxReplicas <= replies, `maxReplicas ${autoscaler.spec.maxReplicas} > ${replies}: each ingress leases one replies partition`);
  assert.ok((autoscaler.spec.minReplicas ?? 1) <= autoscaler.spec.maxReplicas);
});

test('each worker scales (KEDA) on exactly the consumer groups and topics it reads, within their partitions', () => {
  const prefix = configMap.KAFKA_TOPIC_PREFIX ?? '';
  for (const worker of WORKERS) {
    const scaler = manifest('ScaledObject', `rivulet-${worker}`);
    assert.equal(scaler.spec.scaleTargetRef.name, `rivulet-${worker}`);
    const triggers = scaler.spec.triggers;
    assert.ok(triggers.every((trigger) => trigger.type === 'kafka' && trigger.metadata.bootstrapServers === configMap.KAFKA_BROKERS), `${worker}: kafka triggers on KAFKA_BROKERS`);
    const consumed = consumedBy(worker).map((pair) => pair.split(' ').map((name) => prefix + name).join(' '));
    assert.deepEqual(triggers.map(({ metadata }) => `${metadata.consumerGroup} ${metadata.topic}`).sort(), consumed.sort(), `${worker}: groups and topics`);
    for (const { metadata } of triggers) assert.ok(Number(metadata.lagThreshold) > 0, `${worker}: lagThreshold`);
    const ceiling = Math.min(...consumedBy(worker).map((pair) => PARTITIONS.get(pair.split(' ')[1]!)!));
    assert.ok(scaler.spec.maxReplicaCount <= ceiling, `${worker}: maxReplicaCount ${scaler.spec.maxReplicaCount} > ${ceiling} partitions`);
    assert.ok((scaler.spec.minReplicaCount ?? 0) <= scaler.spec.maxReplicaCount);
  }
});

test('compose and Kubernetes run the same `rivulet setup`, a command the CLI registers, through the image\'s entrypoint', () => {
  const setupCommand = ['setup', '--wait', '5m'];
  const service = compose.services.setup!;
  assert.deepEqual(service.command, setupCommand, 'compose setup: command');
  assert.equal(service.entrypoint, undefined, 'compose setup: the image\'s entrypoint (the rivulet CLI)');
  const job = manifest('Job', 'rivulet-setup').spec.template.spec.containers[0]!;
  assert.equal(job.image, 'rivulet');
  assert.deepEqual(job.args, setupCommand, 'Job rivulet-setup: args');
  assert.equal(job.command, undefined, 'Job rivulet-setup: the image\'s entrypoint (`command` would replace it)');
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile').split(/^FROM /m).at(-1)!)?.[1];
  assert.deepEqual(JSON.parse(entrypoint ?? 'null'), ['node', 'packages/cli/bin/rivulet.js'], 'the Dockerfile\'s ENTRYPOINT is the rivulet CLI');
  // The CLI's registrations, read as text (importing @rivulet/cli would make infra depend on it).
  const main = read('packages/cli/src/main.ts');
  assert.match(main, /^import \{ registerSetupCommand \} from '\.\/commands\/setup\.js';$/m);
  assert.match(main, /^ {2}registerSetupCommand\(program, action\);$/m);
  const command = read('packages/cli/src/commands/setup.ts');
  assert.match(command, /\.command\('setup'\)/);
  assert.match(command, /\.option\('--wait <duration>'/);
});

test('fetch-models.sh fetches exactly the wheels and files infra/src/models.ts pins', () => {
  const script = read('infra/k8s/fetch-models.sh');
  const models = read('infra/src/models.ts');
  const hashes = matches(models, /'([0-9a-f]{64})'/g).map((match) => match[1]!);
  assert.deepEqual(matches(script, /\b[0-9a-f]{64}\b/g).map(([hash]) => hash).sort(), hashes.sort(), 'fetch-models.sh checks the files models.ts pins, no more');
  // [file in the model folder, sha256] pairs with a literal file name: checked under that name.
  for (const [, file, hash] of matches(models, /\['([^']+)', '([0-9a-f]{64})'\]/g)) {
    assert.match(script, new RegExp(`\\b${hash} {2}[a-z0-9.-]+/${file!.replaceAll('.', '\\.')}'?$`, 'm'), `fetch-models.sh checks ${file} by ${hash}`);
  }
  const wheels = matches(models, /name: '([^']+)',\s*version: '([^']+)'/g);
  assert.equal(wheels.length, 3);
  for (const [, name, version] of wheels) assert.ok(script.includes(`${name}==${version}`), `fetch-models.sh downloads ${name}==${version}`);
  const job = manifest('Job', 'rivulet-models').spec.template.spec.containers[0]!;
  assert.deepEqual(job.command, ['sh', '/scripts/fetch-models.sh']);
});

test('prometheus.yml scrapes every process on the port compose gives it', () => {
  const config = yaml.load(read('infra/observability/prometheus.yml')) as {
    scrape_configs: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
  };
  assert.deepEqual(config.scrape_configs.map(({ job_name }) => job_name).sort(), [...PROCESSES].sort());
  for (const job of config.scrape_configs) {
    const targets = [
      ...(job.static_configs ?? []).flatMap(({ targets: list }) => list),
      ...(job.dns_sd_configs ?? []).flatMap(({ names, port }) => names.map((name) => `${name}:${port}`)),
    ];
    assert.deepEqual(targets, [`${job.job_name}:${expectedPort(job.job_name, compose.services[job.job_name]?.environment ?? {})}`], `${job.job_name}: target`);
  }
});

/** Metric names in a PromQL expression: identifiers left once labels, ranges, groupings and function names are removed. */
const metricsIn = (expression: string): string[] => {
  const bare = expression.replaceAll(/\$\w+/g, '').replaceAll(/\{[^}]*\}/g, '').replaceAll(/\[[^\]]*\]/g, '').replaceAll(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, '');
  return matches(bare, /\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g).map((match) => match[1]!).filter((name) => !/^(?:and|or|unless|bool|offset)$/.test(name));
};

test('every metric the Grafana dashboard and the docs name is registered in the code', () => {
  const dashboard = JSON.parse(read('infra/observability/rivulet-dashboard.json')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  const shown = new Set(dashboard.panels.flatMap(({ targets = [] }) => targets.flatMap(({ expr }) => metricsIn(expr))));
  for (const name of shown) assert.ok(isMetric(name), `rivulet-dashboard.json: ${name} is not a metric the code registers`);
  const wanted = [
    'rivulet_ingress_http_requests_total', 'rivulet_ingress_chat_duration_seconds_bucket', 'rivulet_consumer_lag', 'rivulet_stage_latency_seconds_bucket',
    'rivulet_embedding_cache_lookups_total', 'rivulet_dead_letters_total', 'rivulet_ingress_websockets', 'rivulet_rate_limited_total', 'llm_requests_total',
    'rivulet_consumer_batch_size_bucket', 'rivulet_consumer_handle_duration_seconds_bucket',
    'llm_request_duration_seconds_bucket', 'llm_tokens_total', 'active_conversations', 'llm_time_to_first_token_seconds_bucket', 'llm_failovers_total', 'llm_circuit_breaker_state',
  ];
  for (const name of wanted) assert.ok(shown.has(name), `rivulet-dashboard.json shows ${name}`);
  // Identifiers in the docs that look like metrics but are not: an SSE field and the migrations table.
  const notMetrics = new Set(['rivulet_failover', 'rivulet_migrations']);
  const documents = ['docs', 'infra', 'packages', 'producers', 'consumers', 'schemas', 'bench'].flatMap((folder) => filesUnder(folder, '.md')).concat('README.md');
  for (const file of documents) {
    for (const [, span] of matches(read(file), /`([^`\n]+)`/g)) {
      for (const [name] of matches(span!.replaceAll(/\{[^}]*\}/g, ''), /\b(?:rivulet|llm)_[a-z0-9_]+\b|\bactive_conversations\b/g)) {
        assert.ok(notMetrics.has(name) || isMetric(name), `${file}: ${name} is not a metric the code registers`);
      }
    }
  }
});
