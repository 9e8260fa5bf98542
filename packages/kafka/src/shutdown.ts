import type { RuntimeLogger } from './logger.js';

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * SIGTERM/SIGINT: stop every component in order (workers first, so their last outputs
 * still reach the producer), then exit. A second signal exits at once.
 */
export const stopOnSignals = (components: Stoppable[], logger: RuntimeLogger, exit: (code: number) => void = (code) => process.exit(code)): void => {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void (async () => {
      let code = 0;
      for (const component of components) {
        try {
          await component.stop();
        } catch (error) {
          code = 1;
          logger.error({ error: (error as Error).message }, 'shutdown step failed');
        }
      }
      exit(code);
    })();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
};
