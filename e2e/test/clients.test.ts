import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { api } from './support/api.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

const bin = fileURLToPath(new URL('../../packages/cli/bin/rivulet.js', import.meta.url));
let pipeline: Pipeline;
before(async () => {
  pipeline = await startPipeline();
});
after(() => pipeline?.close());

test('WebSocket ingest: the client sees accepted, processing and completed with the chunk count', { timeout: 120_000 }, async () => {
  const socket = new WebSocket(`${pipeline.url.replace('http', 'ws')}/v1/ws`, { headers: { authorization: `Bearer ${pipeline.apiKey}` } });
  const frames: Record<string, unknown>[] = [];
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const deadline = Date.now() + 100_000;
  const until = async (predicate: () => boolean, what: string) => {
    while (!predicate()) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}; frames: ${JSON.stringify(frames)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await until(() => frames.some((frame) => frame.type === 'ready'), 'ready');
  socket.send(JSON.stringify({ type: 'ingest', id: 'frame-1', document: { id: 'ws-doc', title: 'Tides', text: 'Spring tides happen near new and full moon, when the sun and moon pull along the same line.' } }));
  await until(() => frames.some((frame) => frame.type === 'ingest_status' && frame.status === 'completed'), 'completed');
  const statuses = frames.filter((frame) => frame.type === 'ingest_status' && frame.id === 'frame-1').map((frame) => frame.status);
  assert.deepEqual(statuses, ['accepted', 'processing', 'completed']);
  const completed = frames.find((frame) => frame.status === 'completed')!;
  assert.equal(completed.documentId, 'ws-doc');
  assert.ok((completed.chunks as number) >= 1);
  socket.close();
});

test('`rivulet ingest <folder>` uploads every supported file, waits until indexed, and exits 0', { timeout: 180_000 }, async () => {
  const folder = await mkdtemp(join(tmpdir(), 'rivulet-ingest-'));
  try {
    await mkdir(join(folder, 'guides'));
    await writeFile(join(folder, 'kettles.md'), '# Kettles\n\nA kettle switches itself off when the steam bends a bimetallic strip.');
    await writeFile(join(folder, 'guides', 'bread.txt'), 'Bread dough rises because yeast turns sugar into carbon dioxide.');
    await writeFile(join(folder, 'guides', 'page.html'), '<html><head><title>Clocks</title><script>alert(1)</script></head><body><p>A pendulum clock keeps time by the swing of its pendulum.</p></body></html>');
    await writeFile(join(folder, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [bin, 'ingest', folder, '--collection', 'cli-test'], { env: { ...process.env, RIVULET_URL: pipeline.url, RIVULET_API_KEY: pipeline.apiKey }, timeout: 150_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })),
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const client = api(pipeline);
    for (const id of ['kettles.md', 'guides/bread.txt', 'guides/page.html']) {
      const { status, body } = await client.get(id, 'cli-test');
      assert.equal(status, 200, id);
      assert.equal(body.status, 'completed', `${id}: ${JSON.stringify(body)}`);
    }
    assert.equal((await client.get('image.png', 'cli-test')).status, 404, 'unsupported files are skipped');
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
