import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AVRO_DIRECTORY } from '@rivulet/schemas';
import { runCli } from './support/cli.js';


const rivulet = (args: string[], env: Record<string, string> = {}) => runCli(args, { env, timeoutMs: 120_000 });

test('rivulet infra status lists every backing service as up, with the registry\'s Confluent-compatible URL', async () => {
  const { code, stdout } = await rivulet(['infra', 'status']);
  assert.equal(code, 0, stdout);
  for (const component of ['kafka', 'schema-registry', 'postgres', 'redis', 'redis-cache']) assert.match(stdout, new RegExp(`^${component}\\s+\\S+\\s+up\\b`, 'm'));
  assert.match(stdout, /http:\/\/127\.0\.0\.1:8081\/apis\/ccompat\/v7/);
});

test('the committed schemas pass `rivulet schemas check` against the registry and git HEAD', async () => {
  const { code, stdout, stderr } = await rivulet(['schemas', 'check']);
  assert.equal(code, 0, stdout + stderr);
  assert.match(stdout, /All schemas are BACKWARD compatible/);
  assert.match(stdout, /chunk-created\s+dev\.rivulet\.events\.ChunkCreated\s+registry\s+compatible/);
});

test('`rivulet schemas check` fails on a change old events could not be read under, naming the subject', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'rivulet-schemas-'));
  try {
    await cp(AVRO_DIRECTORY, directory, { recursive: true });
    const file = join(directory, 'chunk-created.avsc');
    const schema = JSON.parse(await readFile(file, 'utf8')) as { fields: { name: string; type: unknown }[] };
    // A new field without a default: a reader on this schema cannot read events written before it.
    schema.fields.push({ name: 'mandatoryPriority', type: 'int' });
    await writeFile(file, JSON.stringify(schema, null, 2));

    const { code, stdout, stderr } = await rivulet(['schemas', 'check', '--schemas-dir', directory]);
    assert.equal(code, 1, stdout + stderr);
    assert.match(stdout, /chunk-created\s+dev\.rivulet\.events\.ChunkCreated\s+registry\s+INCOMPATIBLE/);
    assert.match(stderr, /incompatible schema change/);
    assert.match(stdout, /document-indexed\s+\S+\s+registry\s+compatible/, 'untouched schemas still pass');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('a bad environment variable stops the CLI with a message naming it', async () => {
  const { code, stderr } = await rivulet(['infra', 'status'], { KAFKA_BROKERS: 'localhost' });
  assert.equal(code, 2);
  assert.match(stderr, /KAFKA_BROKERS: .*expected host:port/);
});
