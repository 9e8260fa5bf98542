import { Command, CommanderError } from 'commander';
import { ConfigError } from '@rivulet/config';
import { loadCliConfig } from './context.js';
import * as infra from './commands/infra.js';
import * as schemas from './commands/schemas.js';
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

