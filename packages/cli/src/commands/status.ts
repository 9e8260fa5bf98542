// `rivulet status [--json] [--sample 1s]`: the running system at a glance, for operators.
import { parseDuration } from '@rivulet/config';
import type { Command } from 'commander';
import type { CliConfig } from '../context.js';
import { say, warn } from '../output.js';
import type { CommandAction } from './ask.js';
import { collectStatus } from './status-collect.js';
import { renderStatus } from './status-render.js';

export type { StatusReport } from './status-report.js';

export interface StatusOptions {
  json?: boolean;
  sample?: string;
}

/** Deadline of each network call: a service that is down must not hang the command. */
const CALL_TIMEOUT_MS = 3_000;

/** Exits 1, naming it on standard error, when a backing service is down (as `rivulet infra status`); else 0. */
export const status = async (config: CliConfig, options: StatusOptions): Promise<number> => {
  let sampleMs: number;
  try {
    sampleMs = parseDuration(options.sample ?? '1s');
  } catch (error) {
    warn(`--sample: ${(error as Error).message}`);
    return 2;
  }
  const report = await collectStatus(config, { sampleMs, timeoutMs: CALL_TIMEOUT_MS });
  say(options.json === true ? JSON.stringify(report, null, 2) : renderStatus(report));
  const down = report.services.filter(({ healthy }) => !healthy);
  if (down.length > 0) {
    warn(`Down: ${down.map(({ component }) => component).join(', ')}`);
    return 1;
  }
  return 0;
};

export const registerStatusCommand = (program: Command, action: CommandAction): Command =>
  program
    .command('status')
    .description('Services, consumer groups (members, partitions, lag), topics (rate, dead letters) and model router breakers; exits 1 when a service is down.')
    .option('--json', 'print one JSON object (fields documented on StatusReport in packages/cli/src/commands/status-report.ts)')
    .option('--sample <duration>', 'how long to watch end offsets for the message rates; 0s skips it', '1s')
    .action(action((config, options: StatusOptions) => status(config, options)));
