import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { test } from 'node:test';
import { createKafkaClient, deleteTopics, silentLogger } from '@rivulet/kafka';
import { TOPIC_SPECS } from '@rivulet/schemas';

const bin = fileURLToPath(new URL('../../packages/cli/bin/rivulet.js', import.meta.url));
const home = process.env.RIVULET_HOME ?? fileURLToPath(new URL('../../.rivulet', import.meta.url));
/** Where the test leaves its screenshot of the chat page (git-ignored, under RIVULET_HOME). */
const screenshot = join(home, 'screenshots', 'chat-page.png');

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Asks through the chat page in Debian's Chromium and returns what the page showed. */
const askInBrowser = async (url: string, key: string, question: string) => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    await page.goto(`${url}/`);
    await page.getByTestId('api-key').fill(key);
    await page.getByTestId('connect').click();
    await page.locator('[data-testid="status"][data-state="connected"]').waitFor({ timeout: 20_000 });
    await page.getByTestId('message-input').fill(question);
    await page.getByTestId('send').click();
    // Watch the answer grow: a streamed answer is seen at several lengths before it is done.
    const lengths = new Set<number>();
    const answer = page.getByTestId('answer');
    await answer.waitFor({ timeout: 60_000 });
    const deadline = Date.now() + 120_000;
    while (!(await page.getByTestId('meta').count()) && !(await page.getByTestId('error').count())) {
      assert.ok(Date.now() < deadline, 'no done or error on the page within 120 s');
      lengths.add((await answer.innerText()).length);
      await page.waitForTimeout(25);
    }
    const text = await answer.innerText();
    const sources = await page.getByTestId('source-item').allInnerTexts();
    const errors = await page.getByTestId('error').allInnerTexts();
    await mkdir(join(home, 'screenshots'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { text, sources, errors, lengths: [...lengths].filter((length) => length > 0), problems, meta: await page.getByTestId('meta').allInnerTexts() };
  } finally {
    await browser.close();
  }
};

test('`rivulet start` brings up the whole system, ingests the sample corpus, answers on the chat page with the local model, and stops cleanly on Ctrl-C', { timeout: 420_000 }, async () => {
  const prefix = `start-${randomBytes(4).toString('hex')}.`;
  const port = await freePort();
  const key = `key-${randomBytes(8).toString('hex')}`;
  const tenant = `start-${randomBytes(4).toString('hex')}`;
  const child = spawn(process.execPath, [bin, 'start'], {
    env: {
      ...process.env, KAFKA_TOPIC_PREFIX: prefix, INGRESS_PORT: String(port), RIVULET_API_KEYS: `${tenant}:${key}`, RIVULET_API_KEY: key,
      KAFKA_SESSION_TIMEOUT: '6s', KAFKA_HEARTBEAT_INTERVAL: '1s',
    },
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
    // The sample corpus (docs/) is ingested on the first start of this tenant.
    for (;;) {
      const sample = await fetch(`${url}/v1/documents/protocol.md`, { headers });
      if (sample.ok && ((await sample.json()) as { status: string }).status === 'completed') break;
      assert.ok(Date.now() < deadline + 120_000, `the sample corpus was not indexed:\n${output.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const shown = await askInBrowser(url, key, 'Which command starts Rivulet and its services?');
    console.log(`chat page screenshot: ${screenshot}\nanswer (${shown.meta.join(' ')}): ${shown.text}`);
    assert.deepEqual(shown.errors, [], 'no error on the page');
    assert.deepEqual(shown.problems, [], 'no script error in the page');
    assert.ok(shown.text.trim().length > 0, 'an answer');
    assert.ok(shown.lengths.length >= 2, `the answer streamed (seen at lengths ${shown.lengths.join(', ')})`);
    assert.ok(shown.sources.length >= 1, 'numbered sources listed');
    assert.match(shown.meta.join(' '), /local/, 'answered by the local model');

    child.kill('SIGINT');
    assert.equal(await exited, 0, output.slice(-3000));
    assert.match(output, /All processes stopped/);
    for (const name of ['ingress', 'ingestion', 'embedding', 'indexer', 'retrieval', 'generation', 'persistence']) assert.match(output, new RegExp(`^\\[${name}\\] `, 'm'), `${name} ran`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await deleteTopics(kafka, TOPIC_SPECS.map((spec) => prefix + spec.name)).catch(() => undefined);
  }
});
