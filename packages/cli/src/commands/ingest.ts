// `rivulet ingest <path>…`: uploads files and folders to the ingress, then waits until each is indexed.
import { createHash } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Presets, SingleBar } from 'cli-progress';
import { defineConfig, loadConfig, parseDuration, text, url, variable } from '@rivulet/config';
import { DEVELOPMENT_API_KEY } from '@rivulet/ws-ingress';
import type { CliConfig } from '../context.js';
import { say, warn } from '../output.js';

/** The variables `rivulet ingest` reads besides the shared ones. */
export const ingestConfigSchema = defineConfig({
  RIVULET_URL: variable({
    description: 'Base URL of the ingress that `rivulet ingest` uploads to.',
    schema: url({ protocols: ['http:', 'https:'] }), default: 'http://127.0.0.1:8080',
  }),
  RIVULET_API_KEY: variable({
    description: 'API key `rivulet ingest` sends to the ingress; the default is the development key.',
    schema: text(), default: DEVELOPMENT_API_KEY, secret: true,
  }),
});

export interface IngestOptions {
  /** Collection for every file; default `default`. */
  collection?: string;
  /** Ingress base URL; default RIVULET_URL. */
  url?: string;
  /** Default RIVULET_API_KEY. */
  apiKey?: string;
  /** Wait until each document is completed or failed; default true (`--no-wait` sets false). */
  wait?: boolean;
  /** How long to wait for indexing, e.g. `90s`, `10m`; default 30m. */
  timeout?: string;
  /** Stops waiting for indexing (what is pending is reported as not indexed); `rivulet start` aborts it on Ctrl-C. */
  signal?: AbortSignal;
}

/** The file types the pipeline parses. */
export const SUPPORTED_EXTENSIONS = ['.txt', '.md', '.markdown', '.html', '.htm', '.pdf'] as const;
const MIME_TYPES: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8', '.markdown': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.pdf': 'application/pdf',
};
const SKIPPED_DIRECTORIES = new Set(['node_modules']);
const UPLOAD_CONCURRENCY = 4;
const POLL_CONCURRENCY = 8;
const POLL_INTERVAL_MS = 1000;
const MAX_ID_LENGTH = 128;

export interface FileToIngest {
  path: string;
  /** Path relative to the folder given on the command line (or the file name), with `/` separators. */
  relativePath: string;
  documentId: string;
}

/**
 * The document id of a file: its path relative to the folder given (so ingesting a folder again
 * replaces its documents instead of adding copies), shortened with a hash past 128 characters.
 */
export const documentIdFor = (relativePath: string): string => {
  if (relativePath.length <= MAX_ID_LENGTH) return relativePath;
  const digest = createHash('sha256').update(relativePath).digest('hex').slice(0, 24);
  return `${digest}~${relativePath.slice(-(MAX_ID_LENGTH - digest.length - 1))}`;
};

const isSupported = (name: string): boolean => (SUPPORTED_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());

/** Expands files and folders (recursively, skipping dotfiles and node_modules) to supported files. */
export const expandPaths = async (paths: readonly string[]): Promise<{ files: FileToIngest[]; skipped: string[] }> => {
  const files: FileToIngest[] = [];
  const skipped: string[] = [];
  const add = (path: string, root: string): void => {
    const relativePath = relative(root, path).split(sep).join('/');
    files.push({ path, relativePath, documentId: documentIdFor(relativePath) });
  };
  const walk = async (folder: string, root: string): Promise<void> => {
    const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || SKIPPED_DIRECTORIES.has(entry.name)) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path, root);
      else if (entry.isFile() && isSupported(entry.name)) add(path, root);
      else if (entry.isFile()) skipped.push(path);
    }
  };
  for (const given of paths) {
    const path = resolve(given);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new Error(`No such file or folder: ${given}`);
    if (info.isDirectory()) await walk(path, path);
    else if (isSupported(path)) add(path, dirname(path));
    else skipped.push(path);
  }
  return { files, skipped };
};

interface Outcome {
  file: FileToIngest;
  status: 'completed' | 'failed' | 'uploaded';
  chunks?: number;
  reason?: string;
}

interface ApiError {
  error?: { code?: string; message?: string; retryable?: boolean };
}

const reasonOf = async (response: Response): Promise<{ reason: string; retryable: boolean }> => {
  const body = (await response.json().catch(() => ({}))) as ApiError;
  const reason = body.error ? `${body.error.code ?? 'error'}: ${body.error.message ?? ''}` : `HTTP ${response.status}`;
  return { reason, retryable: body.error?.retryable === true || response.status === 503 || response.status === 429 };
};

/** Runs `work` over `items`, at most `limit` at a time. */
const eachLimited = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
};

/** A cli-progress bar on a terminal, one plain line per step otherwise. */
const progress = (phase: string, total: number) => {
  if (!process.stdout.isTTY) {
    let value = 0;
    return { step: (line: string): void => say(`${phase} ${++value}/${total} ${line}`), stop: (): void => undefined };
  }
  const bar = new SingleBar({ format: `${phase} [{bar}] {value}/{total} {file}`, hideCursor: true, stream: process.stdout }, Presets.shades_classic);
  bar.start(total, 0, { file: '' });
  return { step: (line: string): void => bar.increment(1, { file: line }), stop: (): void => bar.stop() };
};

export const ingest = async (_config: CliConfig, paths: string[], options: IngestOptions): Promise<number> => {
  const settings = loadConfig(ingestConfigSchema);
  const baseUrl = (options.url ?? settings.RIVULET_URL).replace(/\/+$/, '');
  const apiKey = options.apiKey ?? settings.RIVULET_API_KEY;
  const collection = options.collection ?? 'default';
  const wait = options.wait ?? true;
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(options.timeout ?? '30m');
  } catch (error) {
    warn(`--timeout: ${(error as Error).message}`);
    return 2;
  }
  const headers = { authorization: `Bearer ${apiKey}` };

  const { files, skipped } = await expandPaths(paths);
  if (skipped.length > 0) warn(`Skipping ${skipped.length} file(s) of unsupported types (supported: ${SUPPORTED_EXTENSIONS.join(' ')}).`);
  if (files.length === 0) {
    warn(`No supported files in ${paths.join(', ')}.`);
    return 1;
  }
  const duplicates = files.filter((file, index) => files.findIndex((other) => other.documentId === file.documentId) !== index);
  if (duplicates.length > 0) {
    warn(`Several files would get the same document id: ${[...new Set(duplicates.map((file) => file.documentId))].join(', ')}. Ingest their folder instead, or run them separately into different collections.`);
    return 2;
  }
  const reachable = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5000) }).then((response) => response.ok, () => false);
  if (!reachable) {
    warn(`Cannot reach the ingress at ${baseUrl}: start it with \`rivulet start\` or \`rivulet ingress\`, or set RIVULET_URL / --url.`);
    return 1;
  }

  const outcomes = new Map<string, Outcome>();
  const uploading = progress('Uploading', files.length);
  await eachLimited(files, UPLOAD_CONCURRENCY, async (file) => {
    outcomes.set(file.documentId, await upload(baseUrl, headers, collection, file));
    uploading.step(file.relativePath);
  });
  uploading.stop();

  const uploaded = [...outcomes.values()].filter((outcome) => outcome.status === 'uploaded');
  if (wait && uploaded.length > 0) {
    const indexing = progress('Indexing ', uploaded.length);
    const deadline = Date.now() + timeoutMs;
    let pending = uploaded;
    while (pending.length > 0 && Date.now() < deadline && !options.signal?.aborted) {
      await eachLimited(pending, POLL_CONCURRENCY, async (outcome) => {
        const finished = await poll(baseUrl, headers, collection, outcome.file);
        if (!finished) return;
        outcomes.set(outcome.file.documentId, finished);
        indexing.step(`${outcome.file.relativePath} ${finished.status}`);
      });
      pending = pending.filter((outcome) => outcomes.get(outcome.file.documentId)?.status === 'uploaded');
      if (pending.length > 0) await delay(POLL_INTERVAL_MS, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    }
    indexing.stop();
    const reason = options.signal?.aborted ? 'stopped before it was indexed' : `timeout: not indexed within ${options.timeout ?? '30m'}`;
    for (const outcome of pending) outcomes.set(outcome.file.documentId, { ...outcome, status: 'failed', reason });
  }
  return summarize([...outcomes.values()], wait, collection);
};

/** How many times one upload waits out a 429 (the key's rate limit) before giving up. */
const MAX_RATE_LIMITED_WAITS = 120;

const upload = async (baseUrl: string, headers: Record<string, string>, collection: string, file: FileToIngest): Promise<Outcome> => {
  let rateLimited = 0;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const form = new FormData();
      form.set('id', file.documentId);
      form.set('collection', collection);
      form.set('metadata', JSON.stringify({ path: file.relativePath }));
      form.set('file', await openAsBlob(file.path, { type: MIME_TYPES[extname(file.path).toLowerCase()] ?? '' }), basename(file.path));
      const response = await fetch(`${baseUrl}/v1/documents`, { method: 'POST', headers, body: form });
      if (response.status === 202) {
        await response.body?.cancel();
        return { file, status: 'uploaded' };
      }
      if (response.status === 429 && rateLimited < MAX_RATE_LIMITED_WAITS) {
        // Over the key's rate limit: wait as told and try again; it is not a failed attempt.
        rateLimited += 1;
        attempt -= 1;
        await response.body?.cancel();
        await delay(Math.max(1, Number(response.headers.get('retry-after')) || 1) * 1000);
        continue;
      }
      const { reason, retryable } = await reasonOf(response);
      if (!retryable || attempt >= 3) return { file, status: 'failed', reason };
    } catch (error) {
      if (attempt >= 3) return { file, status: 'failed', reason: `upload failed: ${(error as Error).message}` };
    }
    await delay(1000 * attempt);
  }
};

/** The final outcome once the document is completed or failed; undefined while it is still on its way. */
const poll = async (baseUrl: string, headers: Record<string, string>, collection: string, file: FileToIngest): Promise<Outcome | undefined> => {
  const response = await fetch(`${baseUrl}/v1/documents/${encodeURIComponent(file.documentId)}?collection=${encodeURIComponent(collection)}`, { headers })
    .catch(() => undefined);
  if (!response) return undefined;
  if (response.status === 404) return { file, status: 'failed', reason: 'not_found: the ingress no longer knows this document' };
  if (!response.ok) return (await response.body?.cancel(), undefined);
  const body = (await response.json().catch(() => ({}))) as { status?: string; chunks?: number; error?: { code?: string; message?: string } };
  if (body.status === 'completed') return { file, status: 'completed', chunks: body.chunks ?? 0 };
  if (body.status === 'failed') return { file, status: 'failed', reason: `${body.error?.code ?? 'failed'}: ${body.error?.message ?? 'indexing failed'}` };
  if (body.status === 'deleted') return { file, status: 'failed', reason: 'deleted while waiting for indexing' };
  return undefined;
};

const summarize = (outcomes: Outcome[], waited: boolean, collection: string): number => {
  const failed = outcomes.filter((outcome) => outcome.status === 'failed');
  const succeeded = outcomes.length - failed.length;
  if (waited) {
    const chunks = outcomes.reduce((sum, outcome) => sum + (outcome.chunks ?? 0), 0);
    say(`\nCollection "${collection}": completed ${succeeded} (${chunks} chunks), failed ${failed.length}.`);
  } else {
    say(`\nCollection "${collection}": uploaded ${succeeded}, failed ${failed.length} (not waiting for indexing).`);
  }
  for (const outcome of failed) warn(`  ${outcome.file.relativePath}: ${outcome.reason ?? 'failed'}`);
  return failed.length > 0 ? 1 : 0;
};
