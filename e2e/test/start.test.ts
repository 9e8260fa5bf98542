import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createKafkaClient, deleteTopics, silentLogger } from '@rivulet/kafka';
import { TOPIC_SPECS } from '@rivulet/schemas';

const bin = fileURLToPath(new URL('../../packages/cli/bin/rivulet.js', import.meta.url));

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

test('`rivulet start` brings up the whole system, answers, and stops cleanly on Ctrl-C', { timeout: 240_000 }, async () => {
  const prefix = `start-${randomBytes(4).toString('hex')}.`;
  const port = await freePort();
  const key = `key-${randomBytes(8).toString('hex')}`;
  const child = spawn(process.execPath, [bin, 'start'], {
    env: { ...process.env, KAFKA_TOPIC_PREFIX: prefix, INGRESS_PORT: String(port), RIVULET_API_KEYS: `start-test:${key}`, KAFKA_SESSION_TIMEOUT: '6s', KAFKA_HEARTBEAT_INTERVAL: '1s' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kafka = createKafkaClient({ brokers: ['127.0.0.1:9092'], clientId: 'start-test', logger: silentLogger });
  try {
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 120_000;
    while (!(await fetch(`${url}/ready`).then((response) => response.ok, () => false))) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `ingress not ready:\n${output.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const posted = await fetch(`${url}/v1/documents`, { method: 'POST', headers, body: JSON.stringify({ id: 'started', text: 'Rivulet started every process with one command.' }) });
    assert.equal(posted.status, 202);
    let status = '';
    while (status !== 'completed') {
      assert.ok(Date.now() < deadline, `document not completed (last status ${status}):\n${output.slice(-3000)}`);
      status = ((await (await fetch(`${url}/v1/documents/started`, { headers })).json()) as { status: string }).status;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    child.kill('SIGINT');
    assert.equal(await exited, 0, output.slice(-3000));
    assert.match(output, /All processes stopped/);
    for (const name of ['ingress', 'ingestion', 'embedding', 'indexer']) assert.match(output, new RegExp(`^\\[${name}\\] `, 'm'), `${name} ran`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await deleteTopics(kafka, TOPIC_SPECS.map((spec) => prefix + spec.name)).catch(() => undefined);
  }
});
