// The gateway issue end to end: the model router's failover (mid-stream included), circuit
// breaker and health check, token budgets, usage accounting and redaction, on the real services
// and processes. The providers are fake HTTP servers speaking the real OpenAI and Anthropic
// streaming formats, scripted per request.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { waitFor } from '@rivulet/testing';
import { startFakeAnthropic, startFakeOpenAI, type FakeProviderServer } from '@rivulet/fake-providers';
import { createRedisBudgetLedger, periodWindow } from '@rivulet/worker-generation';
import { connect, type ChatClient, type Frame } from './support/chat.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

const bin = fileURLToPath(new URL('../../packages/cli/bin/rivulet.js', import.meta.url));
const ANTHROPIC_SECRET = 'sk-ant-e2e-do-not-log-7Qx3';
const PRIMARY_TOKENS = Array.from({ length: 20 }, (_, index) => `primary${index}`).join(' ');

let primary: FakeProviderServer;
let secondary: FakeProviderServer;
let flaky: FakeProviderServer;
let pipeline: Pipeline;
let dbTenant: string;
let dbKey: string;
let client: ChatClient;
const questions: string[] = [];

/** A port with nothing listening: connections are refused. */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
};

const rivulet = (args: string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, LOG_LEVEL: 'silent' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`rivulet ${args.join(' ')} failed: ${stderr}`, { cause: error }));
      else resolve(stdout);
    });
  });

/** A question no log line may contain (the redaction test greps for it). */
const question = (text: string): string => {
  const unique = `${text} (ref ${Math.random().toString(36).slice(2, 10)})`;
  questions.push(unique);
  return unique;
};

const chat = (frame: { id: string; message: string } & Record<string, unknown>, on: ChatClient = client) => on.chat({ rag: false, ...frame });
const terminal = (frames: Frame[]): Frame => frames.find((frame) => frame.type === 'done' || frame.type === 'error')!;

const budgetUsed = async (): Promise<number> => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const window = periodWindow('day', Date.now());
    const [standing] = await createRedisBudgetLedger({ redis, prefix: pipeline.topicPrefix })
      .remaining([{ scope: `tenant:${dbTenant}:model:*:day`, limit: 1_000_000, periodKey: window.key, expiresAt: window.endsAt }]);
    return standing!.used;
  } finally {
    redis.disconnect();
  }
};

before(async () => {
  primary = await startFakeOpenAI({ reply: 'The primary answers.' });
  secondary = await startFakeAnthropic({ reply: 'and the secondary finishes the answer.' });
  flaky = await startFakeOpenAI({ reply: 'The flaky deployment answers.' });
  const directory = await mkdtemp(join(tmpdir(), 'rivulet-router-'));
  const routerFile = join(directory, 'router.json');
  const price = { inputPerMillion: 1, outputPerMillion: 2 };
  await writeFile(routerFile, JSON.stringify({
    defaultModel: 'chat',
    models: {
      chat: { deployments: [
        { name: 'primary', provider: 'openai-compatible', model: 'fake-primary', baseUrl: primary.url, price },
        { name: 'secondary', provider: 'anthropic', model: 'fake-secondary', apiKeyEnv: 'E2E_ANTHROPIC_KEY', baseUrl: secondary.url.replace(/\/v1$/, ''), priority: 1, price },
      ] },
      dead: { deployments: [
        { name: 'dead-1', provider: 'openai-compatible', model: 'nobody', baseUrl: `http://127.0.0.1:${await closedPort()}/v1` },
        { name: 'dead-2', provider: 'openai-compatible', model: 'nobody', baseUrl: `http://127.0.0.1:${await closedPort()}/v1`, priority: 1 },
      ] },
      flaky: { deployments: [
        { name: 'flaky-primary', provider: 'openai-compatible', model: 'fake-flaky', baseUrl: flaky.url, price },
        { name: 'flaky-backup', provider: 'anthropic', model: 'fake-secondary', apiKeyEnv: 'E2E_ANTHROPIC_KEY', baseUrl: secondary.url.replace(/\/v1$/, ''), priority: 1, price },
      ] },
    },
    timeouts: { connectMs: 2000, firstTokenMs: 5000, idleMs: 1500 },
    breaker: { windowMs: 60_000, minRequests: 3, failureRatio: 0.5, cooldownMs: 60_000 },
    healthCheck: { intervalMs: 500, timeoutMs: 2000 },
  }));
  pipeline = await startPipeline({
    processes: ['ingress', 'embedding', 'retrieval', 'generation', 'persistence'],
    env: { CHAT_ROUTER_CONFIG: routerFile, E2E_ANTHROPIC_KEY: ANTHROPIC_SECRET, LOG_LEVEL: 'debug', BUDGET_RULES_CACHE: '100ms', CHAT_REQUEST_TIMEOUT: '60s' },
  });
  // A key from the database, as operators make them, with a tenant that can hold budgets.
  dbTenant = `${pipeline.tenant}-db`;
  dbKey = (await rivulet(['keys', 'create', '--tenant', dbTenant])).trim().split('\n').at(-1)!;
  assert.match(dbKey, /^rvt_/);
  await rivulet(['budgets', 'set', '--tenant', dbTenant, '--tokens', '1000000']);
  client = await connect(pipeline.url, dbKey);
});

after(async () => {
  client?.close();
  await pipeline?.close();
  await Promise.all([primary?.close(), secondary?.close(), flaky?.close()]);
});

test('a provider that stalls after 20 tokens: the next deployment continues the answer, one uninterrupted text with a failover marker', { timeout: 60_000 }, async () => {
  primary.enqueueBehaviours({ reply: PRIMARY_TOKENS, stallAfterTokens: 20 });
  const frames = await chat({ id: 'stall', message: question('Tell me about tides') });
  const types = frames.map((frame) => frame.type);
  const done = terminal(frames) as Frame & { content: string; servedBy: string[]; provider: string };
  assert.equal(done.type, 'done', JSON.stringify(done));
  const marker = frames.find((frame) => frame.type === 'failover');
  assert.deepEqual({ ...marker, id: undefined, type: undefined }, { id: undefined, type: undefined, from: 'primary', to: 'secondary', reason: 'timeout', afterOutput: true });
  const markerAt = types.indexOf('failover');
  assert.ok(types.slice(0, markerAt).includes('delta') && types.slice(markerAt).includes('delta'), `deltas before and after the marker: ${types.join(',')}`);
  const deltas = frames.filter((frame) => frame.type === 'delta');
  assert.deepEqual(deltas.map((frame) => frame.seq), deltas.map((_, index) => index), 'one gap-free stream');
  assert.equal(deltas.map((frame) => frame.content).join(''), done.content);
  assert.ok(done.content.startsWith(PRIMARY_TOKENS), `the primary's 20 tokens first: ${done.content}`);
  assert.ok(done.content.endsWith('and the secondary finishes the answer.'), done.content);
  assert.deepEqual(done.servedBy, ['primary', 'secondary']);
  assert.equal(done.provider, 'anthropic');
  const continuation = secondary.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] };
  assert.equal(continuation.messages.at(-1)!.role, 'assistant', 'the secondary continues from the partial answer (prefill)');
  assert.match(JSON.stringify(continuation.messages.at(-1)!.content), /primary19/);
});

test('every deployment refusing connections: exactly one provider_unavailable error, quickly, and the budget is not charged', { timeout: 60_000 }, async () => {
  const usedBefore = await budgetUsed();
  const started = Date.now();
  const frames = await chat({ id: 'dead', message: question('Is anyone there?'), model: 'dead' });
  const elapsedMs = Date.now() - started;
  assert.equal(frames.filter((frame) => frame.type === 'done' || frame.type === 'error').length, 1);
  const error = terminal(frames) as Frame & { code: string; retryable: boolean; message: string };
  assert.deepEqual([error.type, error.code, error.retryable], ['error', 'provider_unavailable', true]);
  assert.doesNotMatch(String(error.message), /127\.0\.0\.1|dead-1|dead-2|ECONNREFUSED/, 'deployments and addresses stay in the log');
  assert.equal(frames.filter((frame) => frame.type === 'delta' && frame.content !== '').length, 0);
  assert.ok(elapsedMs < 4000, `answered in ${elapsedMs} ms (connect timeout 2000 ms; refused connections fail at once)`);
  assert.equal(await budgetUsed(), usedBefore, 'nothing generated, nothing charged');
});

test('over budget: budget_exceeded before any provider is called', { timeout: 60_000 }, async () => {
  await rivulet(['budgets', 'set', '--tenant', dbTenant, '--tokens', String((await budgetUsed()) + 10)]);
  await new Promise((resolve) => setTimeout(resolve, 300)); // BUDGET_RULES_CACHE is 100 ms here
  const calls = primary.requests.length + secondary.requests.length;
  const frames = await chat({ id: 'broke', message: question('One more question, please') });
  const error = terminal(frames) as Frame & { code: string; message: string; retryAfterMs: number };
  assert.deepEqual([error.type, error.code], ['error', 'budget_exceeded'], JSON.stringify(error));
  assert.match(error.message, /daily token budget of tenant/);
  assert.ok(error.retryAfterMs > 0, `retryAfterMs until the day ends: ${error.retryAfterMs}`);
  const http = await fetch(`${pipeline.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${dbKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', rag: false, messages: [{ role: 'user', content: question('And over HTTP?') }] }),
  });
  assert.equal(http.status, 429);
  assert.ok(Number(http.headers.get('retry-after')) >= 1, `Retry-After: ${http.headers.get('retry-after')}`);
  assert.equal(((await http.json()) as { error: { code: string } }).error.code, 'budget_exceeded');
  assert.equal(primary.requests.length + secondary.requests.length, calls, 'no provider called');
  await rivulet(['budgets', 'set', '--tenant', dbTenant, '--tokens', '1000000']);
  await new Promise((resolve) => setTimeout(resolve, 300));
});

test('a cancelled stream is billed for what was generated: not zero, not the whole reservation', { timeout: 60_000 }, async () => {
  const usedBefore = await budgetUsed();
  primary.enqueueBehaviours({ tokens: 400, tokenDelayMs: 20 });
  client.send({ type: 'chat', id: 'cancel-me', message: question('Write me a long story'), rag: false, maxOutputTokens: 1000 });
  await client.until(() => client.of('cancel-me').filter((frame) => frame.type === 'delta' && frame.content !== '').length >= 3, 'a few deltas');
  client.send({ type: 'cancel', id: 'cancel-me' });
  await client.until(() => client.of('cancel-me').some((frame) => frame.type === 'error'), 'the cancelled error');
  assert.equal((client.of('cancel-me').find((frame) => frame.type === 'error') as Frame & { code: string }).code, 'cancelled');
  // The ingress answers the cancel at once; the generation worker settles the reservation when
  // its stream stops, a moment later. Until then the whole reservation (prompt + 1000) is held.
  let charged = Number.NaN;
  await waitFor(async () => (charged = (await budgetUsed()) - usedBefore) < 1000, {
    timeoutMs: 10_000, description: 'the reservation settled to what was generated',
  }).catch(() => assert.fail(`charged ${charged} tokens 10 s after the cancel, not less than the reservation (prompt + 1000 output tokens)`));
  assert.ok(charged > 0, 'the partial answer is charged');
});

test('the breaker opens after failures, the open deployment is skipped, and the health check closes it once it recovers', { timeout: 90_000 }, async () => {
  flaky.setBehaviour({ fail: { status: 500 } });
  for (const id of ['flaky-1', 'flaky-2', 'flaky-3']) {
    const frames = await chat({ id, message: question('Flaky question'), model: 'flaky' });
    const done = terminal(frames) as Frame & { servedBy: string[] };
    assert.deepEqual([done.type, done.servedBy], ['done', ['flaky-backup']], JSON.stringify(done));
    assert.equal((frames.find((frame) => frame.type === 'failover') as Frame & { reason: string }).reason, 'provider_unavailable');
  }
  const deadline = Date.now() + 10_000;
  while ((await pipeline.metric('generation', 'llm_circuit_breaker_state', { deployment: 'flaky-primary' })) !== 2) {
    assert.ok(Date.now() < deadline, 'the breaker of flaky-primary opens');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seen = flaky.requests.length;
  const skipped = await chat({ id: 'flaky-4', message: question('Flaky question'), model: 'flaky' });
  assert.equal((skipped.find((frame) => frame.type === 'failover') as Frame & { reason: string }).reason, 'circuit_open');
  // The health check probes an open breaker too; while the deployment still fails it stays open.
  const maxTokensOf = (body: unknown) => (body as { max_tokens?: number }).max_tokens;
  assert.ok(flaky.requests.slice(seen).every((request) => maxTokensOf(request.body) === 1), 'only health probes reach an open deployment');

  flaky.setBehaviour({ reply: 'The flaky deployment answers.' });
  const recovered = Date.now() + 10_000;
  while ((await pipeline.metric('generation', 'llm_circuit_breaker_state', { deployment: 'flaky-primary' })) !== 0) {
    assert.ok(Date.now() < recovered, 'the health check closes the breaker (cooldown is 60 s, so only it can)');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const served = terminal(await chat({ id: 'flaky-5', message: question('Flaky question'), model: 'flaky' })) as Frame & { servedBy: string[] };
  assert.deepEqual(served.servedBy, ['flaky-primary']);
  assert.ok(await pipeline.metric('generation', 'llm_failovers_total', { reason: 'circuit_open' }) >= 1);
  // The design's series, by their exact names.
  assert.ok(await pipeline.metric('generation', 'llm_requests_total', { model: 'fake-flaky', status: 'error' }) >= 3);
  assert.ok(await pipeline.metric('generation', 'llm_requests_total', { model: 'fake-flaky', status: 'success' }) >= 1);
  assert.ok(await pipeline.metric('generation', 'llm_request_duration_seconds_count', { model: 'fake-secondary' }) >= 4);
  assert.ok(await pipeline.metric('generation', 'llm_tokens_total', { model: 'fake-flaky', type: 'output' }) > 0);
  assert.equal(await pipeline.metric('generation', 'active_conversations'), 0, 'nothing is being generated now');
  const text = await (await fetch(`${pipeline.opsUrl('generation')}/metrics`)).text();
  const buckets = [...text.matchAll(/^llm_request_duration_seconds_bucket\{[^}]*le="([^"]+)"[^}]*model="fake-flaky"[^}]*\}/gm)].map((match) => match[1]);
  assert.deepEqual(buckets, ['0.1', '0.5', '1', '2', '5', '10', '30', '+Inf'], 'the design\'s buckets');
  assert.match(text, /# TYPE active_conversations gauge/);
});

test('GET /v1/usage: the tenant\'s tokens and cost by model and day, from the usage topic; another tenant sees none of it', { timeout: 60_000 }, async () => {
  const today = new Date().toISOString().slice(0, 10);
  const usage = async (key: string) => {
    const response = await fetch(`${pipeline.url}/v1/usage?from=${today}&to=${today}`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(response.status, 200);
    return (await response.json()) as { tenant: string; totals: { requests: number; failed: number; inputTokens: number; outputTokens: number; costUsd: number }; models: { model: string; requests: number }[]; days: { day: string; model: string }[] };
  };
  // Every chat of this file so far was made with the database key: 10 attempts, usage events a moment behind the answers.
  const deadline = Date.now() + 20_000;
  let mine = await usage(dbKey);
  while (mine.totals.requests < 10) {
    assert.ok(Date.now() < deadline, `usage of 10 requests, got ${JSON.stringify(mine.totals)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    mine = await usage(dbKey);
  }
  assert.equal(mine.tenant, dbTenant);
  assert.equal(mine.totals.requests, 10);
  assert.equal(mine.totals.failed, 4, 'dead, broke (WebSocket and HTTP) and cancel-me');
  assert.ok(mine.totals.inputTokens > 0 && mine.totals.outputTokens > 0 && mine.totals.costUsd > 0, JSON.stringify(mine.totals));
  assert.ok(mine.models.some(({ model }) => model === 'fake-secondary'), JSON.stringify(mine.models));
  assert.ok(mine.days.every(({ day }) => day === today));
  const theirs = await usage(pipeline.apiKey);
  assert.equal(theirs.tenant, pipeline.tenant);
  assert.equal(theirs.totals.requests, 0);
  const bad = await fetch(`${pipeline.url}/v1/usage?from=2026-13-01`, { headers: { authorization: `Bearer ${dbKey}` } });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'invalid_request');
});

test('no API key, provider key or prompt appears in any process\'s log (debug level)', async () => {
  const files = await readdir(pipeline.logs);
  assert.ok(files.length >= 5, `logs: ${files.join(', ')}`);
  let bytes = 0;
  for (const file of files) {
    const text = await readFile(join(pipeline.logs, file), 'utf8');
    bytes += text.length;
    for (const secret of [dbKey, pipeline.apiKey, ANTHROPIC_SECRET, ...questions]) {
      assert.ok(!text.includes(secret), `${file} contains ${secret.slice(0, 12)}…`);
    }
  }
  assert.ok(bytes > 10_000, `the logs say something (${bytes} bytes)`);
});
