import { parseArgs } from 'node:util';

type Spec = Record<string, { type: 'string' | 'boolean'; default?: string | boolean; description: string }>;

/**
 * Command-line options of a benchmark (`--name value`, `--flag`), with `--help` listing them.
 * Numbers are parsed by `integerOption`, so a typo fails loudly instead of benchmarking nothing.
 */
export const readOptions = <S extends Spec>(usage: string, spec: S, argv = process.argv.slice(2)) => {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { ...Object.fromEntries(Object.entries(spec).map(([name, { type, default: value }]) => [name, value === undefined ? { type } : { type, default: value }])), help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(usage);
    for (const [name, { type, description, default: value }] of Object.entries(spec)) console.log(`  --${name.padEnd(18)} ${description}${value === undefined || type === 'boolean' ? '' : ` (default ${String(value)})`}`);
    process.exit(0);
  }
  return values as { [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : string | undefined };
};

export const integerOption = (name: string, value: string | undefined, minimum = 1): number => {
  const parsed = Number(value);
  if (value === undefined || !Number.isInteger(parsed) || parsed < minimum) throw new Error(`--${name} must be a whole number of at least ${minimum}, got ${String(value)}`);
  return parsed;
};

/** Options several benchmarks take, spelled alike in each. */
export const commonOptions = {
  /** `--wait-minutes`: how long to wait for another pipeline (e2e tests) to finish first. */
  waitMinutes: (minutes: string) =>
    ({ type: 'string', default: minutes, description: 'wait this long for another pipeline (e2e tests) on this machine to finish before starting' }) as const,
  /** `--keep`: leave `what` was uploaded in place instead of deleting it `when` (`afterwards`, `after each measurement`). */
  keep: (what = 'the documents', when = 'afterwards') =>
    ({ type: 'boolean', default: false, description: `leave ${what} in place (default: delete them through the API ${when})` }) as const,
  /** `--seed` of the text generator; a fresh one by default, so `cache` has never seen the texts. */
  seed: (cache = 'the embedding cache') =>
    ({ type: 'string', description: `text generator seed (default: a fresh one, so ${cache} has never seen the texts)` }) as const,
};
