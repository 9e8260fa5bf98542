import { Command, CommanderError } from 'commander';
import { ConfigError } from '@rivulet/config';
import { loadCliConfig } from './context.js';
import * as infra from './commands/infra.js';
import * as schemas from './commands/schemas.js';
import { worker, WORKERS } from './commands/worker.js';
import { registerAskCommand } from './commands/ask.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerBudgetsCommand } from './commands/budgets.js';
import { registerStatusCommand } from './commands/status.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerDlqCommand } from './commands/dlq.js';
import { registerCleanupCommand } from './commands/cleanup.js';
import { registerEraseCommand } from './commands/erase.js';
import { registerSetupCommand } from './commands/setup.js';
import { registerReindexCommand } from './commands/reindex.js';
import { ingest, type IngestOptions } from './commands/ingest.js';
import { ingress } from './commands/ingress.js';
import { start } from './commands/start.js';
import { warn } from './output.js';

/**
 * Runs one CLI invocation and returns its exit code. Configuration errors and failures
 * print one clear message; a stack trace only with DEBUG set.
 */
export const main = async (argv: readonly string[]): Promise<number> => {
  let exitCode = 0;
  const action =
    <Arguments extends unknown[]>(work: (config: ReturnType<typeof loadCliConfig>, ...args: Arguments) => Promise<number>) =>
    async (...args: Arguments): Promise<void> => {
      exitCode = await work(loadCliConfig(), ...args);
    };

  const program = new Command('rivulet')
    .description('Rivulet: an event-driven AI backend on Apache Kafka (docs: README.md, PROTOCOL in docs/protocol.md).')
    .showHelpAfterError()
    .exitOverride();

  const infraCommand = program.command('infra').description('Install, start, stop and check the backing services (Kafka, schema registry, PostgreSQL+pgvector, Redis).');
  infraCommand.command('up').description('Install what is missing, start everything, create topics, apply migrations, register schemas.').action(action(infra.up));
  infraCommand.command('down').description('Stop the services started by `infra up` (data is kept).').action(action(infra.down));
  infraCommand.command('status').description('Each service, its address and health; exits 1 when one is down.').action(action(infra.status));

  const schemasCommand = program.command('schemas').description('Event schemas in the schema registry.');
  schemasCommand
    .command('check')
    .description('Fail when a schema change is not BACKWARD compatible with the registry or with a git ref.')
    .option('--schemas-dir <path>', 'folder of .avsc files (default: the project\'s schemas/avro)')
    .option('--against <git-ref>', 'committed schemas to compare with', 'HEAD')
    .action(action((config, options: schemas.CheckOptions) => schemas.check(config, options)));
  schemasCommand
    .command('register')
    .description('Register the current schemas (rivulet infra up does this too).')
    .option('--schemas-dir <path>', 'folder of .avsc files')
    .action(action((config, options: schemas.CheckOptions) => schemas.register(config, options)));

  program
    .command('start')
    .description('Start the backing services, then the ingress and one instance of every worker, supervised in the foreground; Ctrl-C stops them.')
    .option('--no-infra', 'do not run `infra up` first (the services are managed elsewhere)')
    .option('--no-sample', 'do not ingest the sample corpus (the project\'s docs/) on first start')
    .action(action((config, options: { infra?: boolean; sample?: boolean }) => start(config, options)));
  program
    .command('ingress')
    .description('Run one ingress process (HTTP API and WebSocket) in the foreground; Ctrl-C stops it. Run more to scale out.')
    .action(async () => {
      exitCode = await ingress();
    });
  program
    .command('ingest')
    .description('Upload files or folders (.txt .md .markdown .html .htm .pdf) with a progress bar and wait until they are indexed.')
    .argument('<paths...>', 'files or folders (folders are read recursively; dotfiles and node_modules skipped)')
    .option('-c, --collection <name>', 'collection to add the documents to', 'default')
    .option('--url <url>', 'ingress base URL (default: RIVULET_URL, else http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (default: RIVULET_API_KEY, else the development key)')
    .option('--no-wait', 'return once uploaded, without waiting for indexing')
    .option('--timeout <duration>', 'how long to wait for indexing, e.g. 90s, 10m', '30m')
    .action(action((config, paths: string[], options: IngestOptions) => ingest(config, paths, options)));

  registerAskCommand(program, action);
  registerKeysCommand(program, action);
  registerBudgetsCommand(program, action);
  registerStatusCommand(program, action);
  registerReplayCommand(program, action);
  registerDlqCommand(program, action);
  registerCleanupCommand(program, action);
  registerEraseCommand(program, action);
  registerSetupCommand(program, action);
  registerReindexCommand(program, action);

  program
    .command('worker')
    .description(`Run one worker process in the foreground (${Object.keys(WORKERS).join(', ')}); run more to scale out.`)
    .argument('<name>', Object.entries(WORKERS).map(([name, entry]) => `${name}: ${entry.description}`).join('; '))
    .action(async (name: string) => {
      exitCode = await worker(name);
    });

  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      warn(error.message);
      return 2;
    }
    warn(`rivulet: ${(error as Error).message}`);
    if (process.env.DEBUG) warn((error as Error).stack ?? '');
    return 1;
  }
};

