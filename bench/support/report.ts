import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { resultsDirectory } from './paths.js';

/** What the figures were measured on: they mean little without it. */
export const machine = () => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
  loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  node: process.version,
});

/** `value / baseline` with two decimals, or null when the baseline is missing or zero. */
export const ratio = (value: number, baseline: number | undefined): number | null =>
  baseline ? Math.round((value / baseline) * 100) / 100 : null;

export const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Writes `bench/results/<name>-<timestamp>.json` and returns its path. */
export const writeResult = async (name: string, result: Record<string, unknown>): Promise<string> => {
  await mkdir(resultsDirectory, { recursive: true });
  const file = join(resultsDirectory, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify({ benchmark: name, date: new Date().toISOString(), machine: machine(), ...result }, null, 2)}\n`);
  return file;
};

/** Prints an aligned two-column table of label and value. */
export const printTable = (rows: [string, string | number | null][]): void => {
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value ?? 'n/a'}`);
};

export const elapsedSince = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e9;
