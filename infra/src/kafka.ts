import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, serially } from './commands.js';
import { ensureJavaToolchain } from './java-toolchain.js';
import { kafkaLog4jYaml, kafkaServerProperties } from './kafka-config.js';
import { readTextIfExists } from './log-files.js';
import type { ResolvedOptions } from './options.js';
import { probeKafka } from './probes.js';
import type { ServiceDefinition } from './service.js';

/** Resolves Kafka 4.1.1 and its runtime classpath from Maven Central (~/.m2 is the download cache). */
const kafkaPom = fileURLToPath(new URL('../kafka/pom.xml', import.meta.url));

export const createKafkaService = (options: ResolvedOptions): ServiceDefinition => {
  const directory = join(options.home, 'kafka');
  const libraries = join(directory, 'libs');
  const installedMarker = join(libraries, '.installed');
  const dataDirectory = join(directory, 'data');
  const serverProperties = join(directory, 'server.properties');
  const log4jConfig = join(directory, 'log4j2.yaml');
  const classpath = `${libraries}/*`;
  const logging = `-Dlog4j2.configurationFile=${log4jConfig}`;

  const install = async (): Promise<void> => {
    // The marker holds the pom's hash: a changed pom (another version, another jar) installs again.
    const pomHash = createHash('sha256').update(await readFile(kafkaPom)).digest('hex');
    if ((await readTextIfExists(installedMarker))?.trim() === pomHash) return;
    await ensureJavaToolchain(options, 'kafka');
    options.progress('kafka', 'resolving Kafka 4.1.1 with Maven');
    await rm(libraries, { recursive: true, force: true });
    await serially('maven', () =>
      runCommand(options, {
        component: 'kafka',
        command: 'mvn',
        args: ['-q', '-B', '-f', kafkaPom, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libraries}`],
        cwd: options.home,
        timeoutMs: 15 * 60_000,
      }),
    );
    await writeFile(installedMarker, `${pomHash}\n`);
  };

  const prepare = async (): Promise<void> => {
    await mkdir(dataDirectory, { recursive: true });
    await writeFile(serverProperties, kafkaServerProperties({ kafkaPort: options.kafkaPort, controllerPort: options.controllerPort, dataDirectory }));
    await writeFile(log4jConfig, kafkaLog4jYaml);
    if (existsSync(join(dataDirectory, 'meta.properties'))) return;
    const java = (args: string[]) =>
      runCommand(options, { component: 'kafka', command: 'java', args: ['-cp', classpath, logging, ...args], cwd: directory, timeoutMs: 120_000 });
    const clusterId = (await java(['kafka.tools.StorageTool', 'random-uuid'])).trim();
    await java(['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', serverProperties]);
  };

  return {
    component: 'kafka',
    address: `127.0.0.1:${options.kafkaPort}`,
    summary: `Kafka 4.1.1 KRaft broker+controller (controller on port ${options.controllerPort}), data in ${dataDirectory}`,
    ports: [options.kafkaPort, options.controllerPort],
    commandLineMarker: serverProperties,
    readyTimeoutMs: 120_000,
    stopSignal: 'SIGTERM', // a controlled shutdown, which takes a few seconds
    stopTimeoutMs: 60_000,
    install,
    prepare,
    launch: () => ({
      command: 'java',
      args: [
        `-Xms${Math.min(256, options.kafkaHeapMb)}m`,
        `-Xmx${options.kafkaHeapMb}m`,
        // The collector settings of Kafka's own start script.
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:InitiatingHeapOccupancyPercent=35',
        '-XX:+ExplicitGCInvokesConcurrent',
        '-Djava.awt.headless=true',
        logging,
        '-cp', classpath,
        'kafka.Kafka',
        serverProperties,
      ],
      cwd: directory,
    }),
    probe: () => probeKafka(options.kafkaPort),
  };
};
