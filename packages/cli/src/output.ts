/** Terminal output of the CLI: the one place that writes to stdout/stderr directly. */
export const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

export const warn = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** A plain aligned table; no colours, so it pastes cleanly into issues and logs. */
export const table = (rows: readonly (readonly string[])[]): string => {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!))).join('  ')).join('\n');
};

export const formatBytes = (bytes: number | undefined): string => (bytes === undefined ? '-' : `${Math.round(bytes / 1024 / 1024)} MiB`);

export const formatMs = (ms: number | undefined): string => (ms === undefined ? '-' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
