import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { InfraOptions, ServiceStatus } from '../src/index.js';
import { InfraError, infraDown, infraStatus, infraUp } from '../src/index.js';
import { isAlive } from '../src/processes.js';
import { freePort } from '../src/index.js';

// A Redis of its own, in a temporary home on a free port: stopping and killing it here
// cannot disturb the shared services other suites are using.
let options: InfraOptions;

before(async () => {
  options = { home: await mkdtemp(join(tmpdir(), 'rivulet-infra-test-')), redisPort: await freePort(), components: ['redis'] };
});

after(async () => {
  await infraDown(options);
  await rm(options.home, { recursive: true, force: true });
});

const redisStatus = async (): Promise<ServiceStatus> => {
  const [status] = await infraStatus(options);
  if (status?.component !== 'redis') throw new Error(`expected the status of redis alone, got ${JSON.stringify(status)}`);
  return status;
};

void test('rejects options it cannot use, naming the option', async () => {
  await assert.rejects(infraUp({ home: '' }), (error: unknown) => error instanceof InfraError && error.code === 'invalid_options');
  await assert.rejects(
    infraUp({ home: options.home, kafkaPort: 6000, registryPort: 6001 }),
    (error: unknown) => error instanceof InfraError && /must all differ/.test(error.message),
  );
});

void test('concurrent infraUp calls start one process', async () => {
  const [first, second] = await Promise.all([infraUp(options), infraUp(options)]);
  assert.equal(first[0]?.healthy, true);
  assert.equal(first[0]?.pid, second[0]?.pid);
  assert.ok((first[0]?.startupMs ?? 0) > 0);
});

void test('infraStatus reports a killed service as down, and infraUp starts it again', async () => {
  const running = await redisStatus();
  assert.equal(running.healthy, true);
  process.kill(running.pid!, 'SIGKILL');
  await waitForExit(running.pid!);

  const down = await redisStatus();
  assert.equal(down.healthy, false);
  assert.equal(down.pid, undefined);
  assert.match(down.detail, /not running/);

  const [restarted] = await infraUp(options);
  assert.equal(restarted?.healthy, true);
  assert.notEqual(restarted?.pid, running.pid);
});

void test('a port held by another process is refused with its pid, and the running instance is left alone', async () => {
  const holder = createServer();
  const busyPort = await freePort();
  await new Promise<void>((resolvePromise) => holder.listen(busyPort, '127.0.0.1', resolvePromise));
  try {
    const running = await redisStatus();
    await assert.rejects(infraUp({ ...options, redisPort: busyPort }), (error: unknown) => {
      assert.ok(error instanceof InfraError);
      assert.equal(error.code, 'port_in_use');
      assert.equal(error.component, 'redis');
      assert.match(error.message, new RegExp(`port ${busyPort} is already in use by pid ${process.pid}\\b`));
      return true;
    });
    assert.equal((await redisStatus()).pid, running.pid);
  } finally {
    await new Promise((resolvePromise) => holder.close(resolvePromise));
  }
});

void test('infraDown stops what infraUp started', async () => {
  const running = await redisStatus();
  await infraDown(options);
  assert.equal(isAlive(running.pid!), false);
  assert.equal((await redisStatus()).healthy, false);
});

const waitForExit = async (pid: number): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still alive`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
};
