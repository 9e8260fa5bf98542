import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand, serially } from './commands.js';
import { ensureJavaToolchain } from './java-toolchain.js';
import type { ResolvedOptions } from './options.js';
import { probeHttp } from './probes.js';
import type { ServiceDefinition } from './service.js';

/** 3.0.9 is the newest Apicurio Registry that runs on Java 17 (3.3 needs 21). */
export const apicurioVersion = '3.0.9';
const artifact = `io.apicurio:apicurio-registry-app:${apicurioVersion}:tar.gz:all`;
const archiveName = `apicurio-registry-app-${apicurioVersion}-all.tar.gz`;
const runnerJar = `apicurio-registry-app-${apicurioVersion}-runner.jar`;

export const createSchemaRegistryService = (options: ResolvedOptions): ServiceDefinition => {
  const directory = join(options.home, 'apicurio');
  const installedMarker = join(directory, '.installed');
  const jar = join(directory, runnerJar);
  const confluentApi = `http://127.0.0.1:${options.registryPort}/apis/ccompat/v7`;

  const install = async (): Promise<void> => {
    if (existsSync(installedMarker) && existsSync(jar)) return;
    await ensureJavaToolchain(options, 'schema-registry');
    options.progress('schema-registry', `fetching Apicurio Registry ${apicurioVersion} with Maven`);
    await mkdir(options.cacheDirectory, { recursive: true });
    await serially('maven', () =>
      runCommand(options, {
        component: 'schema-registry',
        command: 'mvn',
        // No project here, so the plugin version is named in full rather than left to Maven.
        args: ['-q', '-B', 'org.apache.maven.plugins:maven-dependency-plugin:2.8:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${options.cacheDirectory}`],
        cwd: options.cacheDirectory,
        timeoutMs: 15 * 60_000,
      }),
    );
    await rm(directory, { recursive: true, force: true });
    await mkdir(directory, { recursive: true });
    await runCommand(options, {
      component: 'schema-registry',
      command: 'tar',
      args: ['-xzf', join(options.cacheDirectory, archiveName), '-C', directory],
      timeoutMs: 120_000,
    });
    await writeFile(installedMarker, `${artifact}\n`);
  };

  return {
    component: 'schema-registry',
    address: confluentApi,
    summary: `Apicurio Registry ${apicurioVersion}, schemas stored in PostgreSQL database apicurio`,
    ports: [options.registryPort],
    commandLineMarker: jar,
    readyTimeoutMs: 120_000,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 30_000,
    install,
    prepare: async () => {},
    launch: () => ({
      command: 'java',
      args: [
        `-Xmx${options.registryHeapMb}m`,
        '-Djava.awt.headless=true',
        '-Dquarkus.http.host=127.0.0.1',
        `-Dquarkus.http.port=${options.registryPort}`,
        // One line per request would fill the log when tests register thousands of schemas.
        '-Dquarkus.http.access-log.enabled=false',
        // Schemas live in our PostgreSQL; the default in-memory H2 forgets them on restart.
        '-Dapicurio.storage.kind=sql',
        '-Dapicurio.storage.sql.kind=postgresql',
        `-Dapicurio.datasource.url=jdbc:postgresql://127.0.0.1:${options.postgresPort}/apicurio`,
        '-Dapicurio.datasource.username=apicurio',
        '-Dapicurio.datasource.password=apicurio',
        // The defaults hold 20 connections open (and allow 100).
        '-Dapicurio.datasource.jdbc.initial-size=2',
        '-Dapicurio.datasource.jdbc.min-size=2',
        '-Dapicurio.datasource.jdbc.max-size=10',
        // The default of 1000 subjects is soon reached by tests that each register their own.
        '-Dapicurio.ccompat.max-subjects=100000',
        // Confluent's DELETE subject and DELETE version, which test clean-up uses.
        '-Dapicurio.rest.deletion.artifact.enabled=true',
        '-Dapicurio.rest.deletion.artifact-version.enabled=true',
        '-Dapicurio.rest.deletion.group.enabled=true',
        `-Dapicurio.storage.snapshot.location=${join(directory, 'snapshots')}`,
        '-jar', jar,
      ],
      cwd: directory,
    }),
    probe: () => probeHttp(`${confluentApi}/subjects`),
  };
};
