import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { InfraProgressEvent } from '../src/index.js';
import { connectionsFor, infraStatus, infraUp } from '../src/index.js';
import { psql } from './support/psql.js';
import { sharedInfraOptions } from './support/shared-options.js';

// The real services in <repo>/.rivulet that every other suite uses: these tests only start
// them (or find them running) and never stop them.
const options = sharedInfraOptions();
const connections = connectionsFor({
  kafkaPort: options.kafkaPort ?? 9092,
  registryPort: options.registryPort ?? 8081,
  postgresPort: options.postgresPort ?? 5432,
  redisPort: options.redisPort ?? 6379,
  redisCachePort: options.redisCachePort ?? 6380,
});

void test('infraUp starts every service and infraStatus reports each healthy, with pid, memory and log', { timeout: 20 * 60_000 }, async () => {
  const started = await infraUp(options);
  assert.deepEqual(started.map((status) => status.component), ['postgres', 'redis', 'redis-cache', 'kafka', 'schema-registry']);

  const statuses = await infraStatus(options);
  for (const status of statuses) {
    assert.equal(status.healthy, true, `${status.component}: ${status.detail}`);
    assert.ok(status.pid !== undefined && status.pid > 0, `${status.component} has a pid`);
    assert.ok((status.rssBytes ?? 0) > 1024 * 1024, `${status.component} reports resident memory`);
    assert.match(status.logFile, new RegExp(`/logs/${status.component}\\.log$`));
    assert.ok(existsSync(status.logFile), `${status.logFile} exists`);
  }
  const byComponent = new Map(statuses.map((status) => [status.component, status]));
  assert.equal(byComponent.get('schema-registry')?.address, connections.registryUrl);
  assert.equal(byComponent.get('kafka')?.address, connections.kafkaBrokers);
  assert.equal(byComponent.get('postgres')?.address, connections.databaseUrl);
  assert.equal(byComponent.get('redis')?.address, connections.redisUrl);
  assert.equal(byComponent.get('redis-cache')?.address, connections.cacheRedisUrl);
});

void test('a second infraUp takes seconds, runs no installer and keeps the same processes', { timeout: 5 * 60_000 }, async () => {
  const before = await infraStatus(options);
  const events: InfraProgressEvent[] = [];
  const startedAt = Date.now();
  await infraUp({ ...options, onProgress: (event) => events.push(event) });
  const elapsedMs = Date.now() - startedAt;

  assert.ok(elapsedMs < 15_000, `second infraUp took ${elapsedMs} ms`);
  const installers = events.filter((event) => /\b(mvn|apt-get|make|initdb|tar)\b/.test(event.message));
  assert.deepEqual(installers, [], 'no download, build or initialisation on a second run');
  const after = await infraStatus(options);
  assert.deepEqual(after.map((status) => status.pid), before.map((status) => status.pid));
});

void test('PostgreSQL: the rivulet role owns its database, is no superuser, and has pgvector', async () => {
  assert.equal(await psql(connections.databaseUrl, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user'), 'f');
  assert.match(await psql(connections.databaseUrl, "SELECT extversion FROM pg_extension WHERE extname = 'vector'"), /^0\.8\./);
  const schema = `infra_test_${randomUUID().replaceAll('-', '')}`;
  try {
    const nearest = await psql(
      connections.databaseUrl,
      `CREATE SCHEMA ${schema};
       CREATE TABLE ${schema}.items (id int, embedding vector(3));
       INSERT INTO ${schema}.items VALUES (1, '[1,0,0]'), (2, '[0,1,0]');
       SELECT id FROM ${schema}.items ORDER BY embedding <-> '[0.1,0.9,0]' LIMIT 1;`,
    );
    assert.equal(nearest, '2');
  } finally {
    await psql(connections.databaseUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
});

void test('the schema registry stores what it registers in PostgreSQL, not in memory', async () => {
  const subject = `dev.rivulet.infra.test.Probe${randomUUID().replaceAll('-', '')}`;
  const schema = JSON.stringify({ type: 'record', name: 'Probe', namespace: 'dev.rivulet.infra.test', fields: [{ name: 'id', type: 'string' }] });
  const registered = await fetch(`${connections.registryUrl}/subjects/${subject}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema }),
  });
  assert.equal(registered.status, 200, await registered.clone().text());
  try {
    const apicurioUrl = connections.databaseUrl.replace('rivulet:rivulet@', 'apicurio:apicurio@').replace(/\/rivulet$/, '/apicurio');
    assert.equal(await psql(apicurioUrl, `SELECT count(*) FROM artifacts WHERE artifactId = '${subject}'`), '1');
  } finally {
    await fetch(`${connections.registryUrl}/subjects/${subject}`, { method: 'DELETE' });
    await fetch(`${connections.registryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
  }
});
